package dev.aftershock.model;

import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;

/** A claim the run checks; each kind is judged by its own evaluator. */
public sealed interface Hypothesis {
    String name();

    /** Latency percentiles and error rate over the run, or over every {@code window} when given. */
    record Slo(
            String name,
            Optional<Duration> p50,
            Optional<Duration> p95,
            Optional<Duration> p99,
            Optional<Percent> errorRate,
            Optional<Duration> window)
            implements Hypothesis {}

    /** How the named HorizontalPodAutoscaler reacts under the run's load. */
    record Hpa(
            String name,
            String hpaName,
            Optional<Duration> scaleOutWithin,
            Optional<Duration> readyWithin,
            Optional<Duration> scaleInWithin,
            OptionalInt maxFlaps,
            Optional<Boolean> maxReplicasNotReached)
            implements Hypothesis {}
}
