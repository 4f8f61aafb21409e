package dev.aftershock.schedule;

import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Optional;

/** A cron expression of five fields (as CronJob's) read by cron-utils, in a time zone. */
public final class CronTimes {
    private static final CronParser UNIX = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX));

    private final ExecutionTime times;
    private final ZoneId zone;

    private CronTimes(ExecutionTime times, ZoneId zone) {
        this.times = times;
        this.zone = zone;
    }

    /** @throws IllegalArgumentException saying what is wrong with the expression */
    public static CronTimes of(String expression, ZoneId zone) {
        return new CronTimes(ExecutionTime.forCron(UNIX.parse(expression).validate()), zone);
    }

    /** Why the expression is not one, or empty when it is. */
    public static Optional<String> problem(String expression) {
        try {
            UNIX.parse(expression).validate();
            return Optional.empty();
        } catch (IllegalArgumentException e) {
            return Optional.of(e.getMessage() == null ? "not a cron expression" : e.getMessage());
        }
    }

    /** The latest scheduled time at or before {@code now}. */
    public Optional<Instant> latestAtOrBefore(Instant now) {
        // lastExecution is strictly before its argument: a start due exactly now counts.
        return times.lastExecution(now.plusMillis(1).atZone(zone)).map(t -> t.toInstant());
    }

    /** The first scheduled time after {@code now}. */
    public Optional<Instant> nextAfter(Instant now) {
        return times.nextExecution(now.atZone(zone)).map(t -> t.toInstant());
    }
}
