/**
 * Edge: drives the experiment's load. The driver is an interface so that the Gatling child JVM on
 * the agent's machine can later be replaced by a Kubernetes Job (distributed load).
 */
package dev.aftershock.load;
