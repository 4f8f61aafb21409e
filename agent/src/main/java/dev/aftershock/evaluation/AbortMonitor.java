package dev.aftershock.evaluation;

import dev.aftershock.model.AbortCondition;
import dev.aftershock.model.AbortCondition.ErrorRateAbove;
import dev.aftershock.model.AbortCondition.LatencyAbove;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Watches the abort conditions second by second: a condition fires only once it has held for its
 * whole {@code for} without a break (one bad second is not a reason to stop an experiment).
 */
public final class AbortMonitor {
    private final List<AbortCondition> conditions;
    private final long[] breachingSince;

    public AbortMonitor(List<AbortCondition> conditions) {
        this.conditions = List.copyOf(conditions);
        this.breachingSince = new long[conditions.size()];
        java.util.Arrays.fill(breachingSince, -1);
    }

    /** Why the run must stop, if it must. */
    public record Trigger(String condition, String reason) {}

    /** Looks at one completed second; seconds without traffic neither breach nor heal. */
    public Optional<Trigger> observe(LoadRecorder.Window second) {
        if (second.requests() == 0) {
            return Optional.empty();
        }
        List<Trigger> fired = new ArrayList<>();
        for (int i = 0; i < conditions.size(); i++) {
            AbortCondition c = conditions.get(i);
            double measured = measured(c, second);
            if (measured > limit(c)) {
                if (breachingSince[i] < 0) {
                    breachingSince[i] = second.from();
                }
                long heldSeconds = second.to() - breachingSince[i];
                if (heldSeconds >= c.sustainedFor().toSeconds()) {
                    fired.add(new Trigger(
                            describe(c),
                            String.format(
                                    Locale.ROOT,
                                    "%s: held from second %d to %d (last second %s)",
                                    describe(c),
                                    breachingSince[i],
                                    second.to(),
                                    shown(c, measured))));
                }
            } else {
                breachingSince[i] = -1;
            }
        }
        return fired.stream().findFirst();
    }

    static String describe(AbortCondition c) {
        String what = switch (c.condition()) {
            case ErrorRateAbove e -> "error rate > " + e.rate();
            case LatencyAbove l ->
                l.percentile().name().toLowerCase(Locale.ROOT) + " > "
                        + dev.aftershock.model.Durations.format(l.limit());
        };
        return what + " for " + dev.aftershock.model.Durations.format(c.sustainedFor());
    }

    private static double measured(AbortCondition c, LoadRecorder.Window w) {
        return switch (c.condition()) {
            case ErrorRateAbove e -> w.errorRatePercent();
            case LatencyAbove l ->
                switch (l.percentile()) {
                    case P50 -> w.p50();
                    case P95 -> w.p95();
                    case P99 -> w.p99();
                };
        };
    }

    private static double limit(AbortCondition c) {
        return switch (c.condition()) {
            case ErrorRateAbove e -> e.rate().value();
            case LatencyAbove l -> l.limit().toMillis();
        };
    }

    private static String shown(AbortCondition c, double measured) {
        return c.condition() instanceof ErrorRateAbove
                ? String.format(Locale.ROOT, "%.1f %%", measured)
                : dev.aftershock.journal.Format.millis(measured);
    }
}
