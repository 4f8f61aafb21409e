/**
 * When schedules start runs: cron times in a time zone, what a start that comes late or while the last
 * run goes on becomes, and the run names that make a scheduled time start at most once. Pure: no
 * Kubernetes client, no Vert.x; the agent acts on these decisions.
 */
package dev.aftershock.schedule;
