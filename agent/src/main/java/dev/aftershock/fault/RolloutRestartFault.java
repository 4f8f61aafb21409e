package dev.aftershock.fault;

import dev.aftershock.evaluation.ShutdownTraffic;
import dev.aftershock.journal.Measurement;
import dev.aftershock.model.FaultSpec;
import dev.aftershock.selection.Plan;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * A rolling restart of the target workload, the way {@code kubectl rollout restart} makes one, then
 * the rollout followed to its end: its duration, or a note that it did not finish before the run
 * ended. The old pods' shutdowns are measured with every other termination of the run (the
 * {@code shutdown} hypothesis). Nothing to recover: the new pods are the workload as it was.
 */
public final class RolloutRestartFault implements Fault {
    private final FaultSpec.RolloutRestart spec;

    public RolloutRestartFault(FaultSpec.RolloutRestart spec) {
        this.spec = spec;
    }

    @Override
    public Injection inject(Plan.Target target, FaultContext context) throws Exception {
        Plan.WorkloadTarget workload = (Plan.WorkloadTarget) target;
        Instant at = Instant.now();
        long generation = context.cluster().restartRollout(workload.namespace(), workload.kind(), workload.name(), at);
        Instant effective = Instant.now();
        return new Injection(
                true,
                false,
                "restarted (its pod template's kubectl.kubernetes.io/restartedAt set: generation %d)"
                        .formatted(generation),
                List.of(),
                Optional.of(() -> {
                    Optional<Instant> done = context.cluster()
                            .awaitRollout(
                                    workload.namespace(),
                                    workload.kind(),
                                    workload.name(),
                                    generation,
                                    context.runEnds());
                    if (done.isEmpty()) {
                        context.note()
                                .accept("the rollout of %s %s/%s did not finish before the run ended"
                                        .formatted(workload.kind(), workload.namespace(), workload.name()));
                    }
                    return List.of(new Measurement(
                            ShutdownTraffic.ROLLOUT_TOOK,
                            done.map(d -> (double)
                                            Duration.between(effective, d).toMillis())
                                    .orElse(Double.NaN),
                            "ms"));
                }),
                effective);
    }

    @Override
    public Recovery recover(Plan.Target target, FaultContext context) {
        return new Recovery(true, "nothing to recover: the restarted pods are the workload as it was");
    }
}
