/**
 * The only package that talks to the Kubernetes API server (io.kubernetes:client-java). Calls here
 * block: callers run them on the agent's blocking pool, never on an event loop.
 */
package dev.aftershock.kube;
