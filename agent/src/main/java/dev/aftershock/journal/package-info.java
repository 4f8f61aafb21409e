/**
 * The journal: everything a run observed and decided, on one clock (milliseconds since the run
 * started). It is the product; the HTML report and JUnit XML are pure renderings of it. The format is
 * versioned ({@link Journal#FORMAT}) and documented in docs/journal.md. Pure: no Kubernetes client,
 * no Vert.x.
 */
package dev.aftershock.journal;
