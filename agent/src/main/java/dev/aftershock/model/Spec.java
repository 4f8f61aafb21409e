package dev.aftershock.model;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

public record Spec(
        Duration duration,
        Optional<Long> seed,
        Target target,
        Optional<LoadProfile> load,
        List<FaultSpec> faults,
        List<Hypothesis> hypotheses,
        List<AbortCondition> abort,
        Rollback rollback,
        Safety safety) {
    public static final Duration MIN_DURATION = Duration.ofSeconds(10);
    public static final Duration MAX_DURATION = Duration.ofHours(24);

    public Spec {
        faults = List.copyOf(faults);
        hypotheses = List.copyOf(hypotheses);
        abort = List.copyOf(abort);
    }
}
