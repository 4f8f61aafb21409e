package dev.aftershock.schedule;

import dev.aftershock.model.Schedule;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Optional;

/**
 * What a schedule asks for now. Each scheduled time is acted on once: the agent remembers the last one
 * it acted on (in the cluster), and names the run after the time, so a retry after a crash or a
 * second agent cannot start it twice. Of several times missed while the agent was down, only the
 * latest counts, as CronJob does: it starts if it is still within {@code startingDeadline}, otherwise
 * it is recorded as missed.
 */
public sealed interface Due {
    /** Nothing to do before {@code next} (empty: the expression has no later time). */
    record Wait(Optional<Instant> next) implements Due {}

    /** Start the run for {@code scheduled} (the policy then says what a run in progress means). */
    record Start(Instant scheduled) implements Due {}

    /** {@code scheduled} came and went beyond the starting deadline: record it as missed. */
    record Missed(Instant scheduled, Duration late) implements Due {}

    /**
     * @param lastActedOn the last scheduled time acted on; a schedule seen for the first time passes
     *     the moment it was first seen, so it never starts a time from before it existed
     */
    static Due at(Schedule schedule, CronTimes times, Instant lastActedOn, Instant now) {
        Optional<Instant> latest = times.latestAtOrBefore(now);
        if (schedule.suspend() || latest.isEmpty() || !latest.get().isAfter(lastActedOn)) {
            return new Wait(times.nextAfter(now));
        }
        Duration late = Duration.between(latest.get(), now);
        if (late.compareTo(schedule.startingDeadline()) > 0) {
            return new Missed(latest.get(), late);
        }
        return new Start(latest.get());
    }

    /** The run a scheduled time starts: named after the schedule and the time (UTC, to the minute). */
    static String runId(Schedule schedule, Instant scheduled) {
        return schedule.name() + "-"
                + DateTimeFormatter.ofPattern("yyyyMMdd-HHmm")
                        .withZone(ZoneOffset.UTC)
                        .format(scheduled);
    }
}
