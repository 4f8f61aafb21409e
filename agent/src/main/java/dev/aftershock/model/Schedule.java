package dev.aftershock.model;

import java.time.Duration;
import java.time.ZoneId;

/**
 * When the agent in the cluster runs an experiment shipped with it: a cron expression in a time zone,
 * with CronJob's knobs (what to do when the last run still goes on, how late a start may be, suspend,
 * how many finished runs to keep).
 *
 * @param experiment the file name of an experiment shipped with the agent
 * @param cron five fields (minute hour day-of-month month day-of-week), checked when loaded
 */
public record Schedule(
        String name,
        String description,
        String experiment,
        String cron,
        ZoneId timeZone,
        ConcurrencyPolicy concurrencyPolicy,
        Duration startingDeadline,
        boolean suspend,
        int keepFinished) {
    /** What a start does while the schedule's last run still goes on. */
    public enum ConcurrencyPolicy {
        /** The start is recorded as forbidden, and nothing starts. */
        FORBID,
        /** Starts anyway, where the run lock lets it (one run at a time per cluster: mostly it does not). */
        ALLOW,
        /** Aborts the running one (which recovers its faults first), then starts. */
        REPLACE;

        public String word() {
            return switch (this) {
                case FORBID -> "Forbid";
                case ALLOW -> "Allow";
                case REPLACE -> "Replace";
            };
        }
    }
}
