/**
 * Which nodes and pods a fault acts on: a pure function of the experiment, a snapshot of the cluster
 * and a seed, so a plan can be shown before a run (--dry-run) and a rerun picks the same targets.
 */
package dev.aftershock.selection;
