/**
 * The experiment as users write it, bound to immutable records after validation. Pure: imports
 * neither the Kubernetes client nor Vert.x.
 */
package dev.aftershock.model;
