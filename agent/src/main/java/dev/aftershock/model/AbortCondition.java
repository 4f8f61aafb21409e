package dev.aftershock.model;

import java.time.Duration;

/** Stops the run when a condition holds for {@code sustainedFor}, not on one bad sample. */
public record AbortCondition(Condition condition, Duration sustainedFor) {
    public sealed interface Condition {}

    public record ErrorRateAbove(Percent rate) implements Condition {}

    public record LatencyAbove(LatencyPercentile percentile, Duration limit) implements Condition {}

    public enum LatencyPercentile {
        P50,
        P95,
        P99
    }
}
