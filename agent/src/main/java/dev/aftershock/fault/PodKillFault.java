package dev.aftershock.fault;

import dev.aftershock.journal.Measurement;
import dev.aftershock.kube.Pods;
import dev.aftershock.kube.ReplacementTracker;
import dev.aftershock.model.FaultSpec;
import dev.aftershock.selection.Plan;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Deletes a pod with the grace period given (the pod's own by default, 0 when forced). Nothing to
 * recover: its controller replaces it, and the time until the replacement is Ready is measured.
 */
public final class PodKillFault implements Fault, AutoCloseable {
    private final FaultSpec.PodKill spec;
    private ReplacementTracker replacements;

    public PodKillFault(FaultSpec.PodKill spec) {
        this.spec = spec;
    }

    @Override
    public Injection inject(Plan.Target target, FaultContext context) throws Exception {
        ReplacementTracker tracker = tracker(context);
        Plan.PodTarget pod = (Plan.PodTarget) target;
        Instant killedAt = Instant.now();
        Pods.Deleted deleted =
                context.pods().delete(pod.namespace(), pod.name(), pod.uid(), spec.effectiveGracePeriod());
        Instant effective = Instant.now();
        return switch (deleted) {
            case Pods.AlreadyGone gone -> Injection.failed(false, "the pod was already gone", List.of());
            case Pods.Terminating t ->
                new Injection(
                        true,
                        false,
                        t.graceSeconds() < 0
                                ? "deleted with the pod's own grace period"
                                : "deleted with a grace period of %d s%s"
                                        .formatted(
                                                t.graceSeconds(),
                                                spec.effectiveGracePeriod().isEmpty() ? " (the pod's own)" : ""),
                        t.graceSeconds() < 0
                                ? List.of()
                                : List.of(new Measurement("grace period", t.graceSeconds() * 1000.0, "ms")),
                        Optional.of(() -> tracker.claim(killedAt, context.runEnds())
                                .map(ready -> List.of(new Measurement(
                                        "replacement ready after",
                                        Duration.between(killedAt, ready).toMillis(),
                                        "ms")))
                                .orElse(List.of(new Measurement("replacement ready after", Double.NaN, "ms")))),
                        effective);
        };
    }

    private synchronized ReplacementTracker tracker(FaultContext context) throws Exception {
        if (replacements == null) {
            replacements = context.watches()
                    .replacements(spec.pods().namespace(), spec.pods().selector());
        }
        return replacements;
    }

    @Override
    public Recovery recover(Plan.Target target, FaultContext context) {
        return new Recovery(true, "nothing to recover: the controller replaces killed pods");
    }

    @Override
    public synchronized void close() {
        if (replacements != null) {
            replacements.close();
        }
    }
}
