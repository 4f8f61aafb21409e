/** Reads from a Prometheus server: instant PromQL queries for {@code prometheus} hypotheses. */
package dev.aftershock.prometheus;
