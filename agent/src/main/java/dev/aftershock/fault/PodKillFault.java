package dev.aftershock.fault;

import dev.aftershock.journal.Measurement;
import dev.aftershock.kube.Pods;
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
public final class PodKillFault implements Fault {
    private final FaultSpec.PodKill spec;

    public PodKillFault(FaultSpec.PodKill spec) {
        this.spec = spec;
    }

    @Override
    public Injection inject(Plan.Target target, FaultContext context) throws Exception {
        Instant killedAt = Instant.now();
        Pods.Deleted deleted = context.pods().delete(target.namespace(), target.name(), spec.effectiveGracePeriod());
        return switch (deleted) {
            case Pods.AlreadyGone gone -> Injection.failed(false, "the pod was already gone", List.of());
            case Pods.Terminating t ->
                new Injection(
                        true,
                        false,
                        "deleted with a grace period of %d s%s"
                                .formatted(
                                        t.graceSeconds(),
                                        spec.effectiveGracePeriod().isEmpty() ? " (the pod's own)" : ""),
                        List.of(new Measurement("grace period", t.graceSeconds() * 1000.0, "ms")),
                        Optional.of(() -> context.watches()
                                .awaitReplacementReady(
                                        target.namespace(), spec.pods().selector(), killedAt, context.runEnds())
                                .map(ready -> List.of(new Measurement(
                                        "replacement ready after",
                                        Duration.between(killedAt, ready).toMillis(),
                                        "ms")))
                                .orElse(List.of(new Measurement("replacement ready after", Double.NaN, "ms")))),
                        Instant.now());
        };
    }

    @Override
    public Recovery recover(Plan.Target target, FaultContext context) {
        return new Recovery(true, "nothing to recover: the controller replaces killed pods");
    }
}
