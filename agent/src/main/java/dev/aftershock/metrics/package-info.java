/**
 * The agent's own Prometheus metrics ({@code aftershock_*}, Micrometer) and the HTTP endpoint that
 * serves them during a run. Labels stay low-cardinality: kinds, outcomes and actions, never pods.
 */
package dev.aftershock.metrics;
