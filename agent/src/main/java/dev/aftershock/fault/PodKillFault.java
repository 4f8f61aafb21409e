package dev.aftershock.fault;

import dev.aftershock.evaluation.ShutdownTraffic;
import dev.aftershock.journal.Measurement;
import dev.aftershock.model.FaultSpec;
import dev.aftershock.selection.Plan;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Deletes a pod with the grace period given (the pod's own by default, 0 when forced). Nothing to
 * recover: its controller replaces it. What follows is measured, as an SRE reads a graceful shutdown:
 * when the pod left its Services' rotation, when it was gone (its containers stopped, preStop and
 * SIGTERM handling included), and when its replacement was Ready.
 */
public final class PodKillFault implements Fault, AutoCloseable {
    private final FaultSpec.PodKill spec;
    private ClusterOps.KillWatch kills;
    private ClusterOps.RotationWatch endpoints;

    public PodKillFault(FaultSpec.PodKill spec) {
        this.spec = spec;
    }

    /** The watches start before the timeline: the first kill is as fast, and as well measured, as the rest. */
    @Override
    public void prepare(List<Plan.Target> planned, FaultContext context) throws Exception {
        tracker(context);
        endpoints(context);
        if (!planned.isEmpty() && planned.get(0) instanceof Plan.PodTarget pod) {
            // A server-side dry run of the first kill: the real one finds the client's path warm.
            context.cluster().rehearseDelete(pod.namespace(), pod.name(), pod.uid(), spec.effectiveGracePeriod());
        }
    }

    @Override
    public Injection inject(Plan.Target target, FaultContext context) throws Exception {
        ClusterOps.KillWatch tracker = tracker(context);
        ClusterOps.RotationWatch rotation = endpoints(context);
        Plan.PodTarget pod = (Plan.PodTarget) target;
        boolean wasInRotation = rotation.inRotation(pod.uid());
        Instant killedAt = Instant.now();
        ClusterOps.PodDeletion deleted =
                context.cluster().deletePod(pod.namespace(), pod.name(), pod.uid(), spec.effectiveGracePeriod());
        Instant effective = Instant.now();
        return switch (deleted) {
            case ClusterOps.AlreadyGone gone -> Injection.failed(false, "the pod was already gone", List.of());
            case ClusterOps.Terminating t ->
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
                        Optional.of(() -> whatFollowed(pod, killedAt, wasInRotation, tracker, rotation, context)),
                        effective);
        };
    }

    /**
     * The times from the kill, NaN when it did not happen before the run ended. Each wait returns the
     * moment the watch saw the change, so waiting for one after another loses no precision.
     */
    private static List<Measurement> whatFollowed(
            Plan.PodTarget pod,
            Instant killedAt,
            boolean wasInRotation,
            ClusterOps.KillWatch tracker,
            ClusterOps.RotationWatch rotation,
            FaultContext context)
            throws InterruptedException {
        List<Measurement> measured = new ArrayList<>();
        if (wasInRotation) {
            // A pod no Service sent traffic to has no rotation to leave: nothing to measure.
            measured.add(after(
                    "out of rotation after",
                    killedAt,
                    rotation.awaitLeftRotation(pod.uid(), killedAt, context.runEnds())));
        }
        measured.add(after(ShutdownTraffic.POD_GONE_AFTER, killedAt, tracker.awaitGone(pod.uid(), context.runEnds())));
        measured.add(after("replacement ready after", killedAt, tracker.claim(killedAt, context.runEnds())));
        return measured;
    }

    private static Measurement after(String what, Instant killedAt, Optional<Instant> when) {
        return new Measurement(
                what,
                when.map(w -> (double) Duration.between(killedAt, w).toMillis()).orElse(Double.NaN),
                "ms");
    }

    private synchronized ClusterOps.KillWatch tracker(FaultContext context) throws Exception {
        if (kills == null) {
            kills = context.cluster()
                    .watchKills(spec.pods().namespace(), spec.pods().selector());
            if (!kills.listed()) {
                context.note()
                        .accept("the pods of %s could not be listed within 10 s (is the agent allowed to watch them?):"
                                        .formatted(spec.pods().namespace())
                                + " 'pod gone after' and 'replacement ready after' are measured only once they are");
            }
        }
        return kills;
    }

    private synchronized ClusterOps.RotationWatch endpoints(FaultContext context) throws Exception {
        if (endpoints == null) {
            endpoints = context.cluster().watchRotation(spec.pods().namespace());
            if (!endpoints.listed()) {
                context.note()
                        .accept("the EndpointSlices of %s could not be listed within 3 s (is the agent allowed to?):"
                                        .formatted(spec.pods().namespace())
                                + " 'out of rotation after' is measured only once they are");
            }
        }
        return endpoints;
    }

    @Override
    public Recovery recover(Plan.Target target, FaultContext context) {
        return new Recovery(true, "nothing to recover: the controller replaces killed pods");
    }

    @Override
    public synchronized void close() {
        if (kills != null) {
            kills.close();
        }
        if (endpoints != null) {
            endpoints.close();
        }
    }
}
