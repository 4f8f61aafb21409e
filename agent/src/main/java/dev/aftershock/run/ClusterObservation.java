package dev.aftershock.run;

import dev.aftershock.evaluation.ClusterTimeline;
import dev.aftershock.evaluation.Observed;
import dev.aftershock.kube.ClusterWatch;
import dev.aftershock.kube.SharedInformers;
import dev.aftershock.metrics.AgentMetrics;
import dev.aftershock.selection.ClusterSnapshot;
import java.time.Duration;
import java.util.List;
import java.util.OptionalInt;

/**
 * HPAs, the target's pods and status, nodes, and which pods are in rotation, on the run's clock, by
 * watches (see ClusterWatch).
 */
final class ClusterObservation implements AutoCloseable {
    private final ClusterTimeline timeline = new ClusterTimeline();
    private ClusterWatch watch;

    void start(
            SharedInformers informers,
            ClusterSnapshot.WorkloadView target,
            dev.aftershock.selection.Reach reach,
            boolean vpas,
            boolean nodeAutoscaler,
            RunRecorder recorder,
            AgentMetrics metrics) {
        watch = new ClusterWatch(
                informers,
                new ClusterWatch.Scope(
                        target.namespace(),
                        target.selector(),
                        target.kind(),
                        target.name(),
                        reach.nodes(),
                        true,
                        vpas,
                        nodeAutoscaler),
                recorder::now,
                observed -> {
                    timeline.observe(observed);
                    if (observed instanceof Observed.HpaStatus hpa) {
                        metrics.hpa(hpa);
                    }
                },
                warning -> recorder.event("agent", "warning", "", warning));
        try {
            if (watch.start(Duration.ofSeconds(15))) {
                timeline.markListed();
            } else {
                recorder.event(
                        "agent", "warning", "", "the cluster watches had not listed after 15 s; they go on trying");
            }
            // Only when a terminating pod's way out of rotation is measured is it judged (the shutdown hypothesis).
            if (watch.rotationListed(Duration.ofSeconds(3))) {
                timeline.markRotationWatched();
            } else {
                recorder.event(
                        "agent",
                        "warning",
                        "",
                        "the EndpointSlices of %s could not be listed within 3 s (is the agent allowed to?):"
                                        .formatted(target.namespace())
                                + " when terminating pods left rotation is not measured");
            }
            if (vpas) {
                if (watch.vpasListed(Duration.ofSeconds(3))) {
                    timeline.markVpasListed();
                } else {
                    recorder.event(
                            "agent",
                            "warning",
                            "",
                            "the VerticalPodAutoscalers of %s could not be listed within 3 s (is the VPA installed, and"
                                            .formatted(target.namespace())
                                    + " the agent allowed to watch them?): the vpa hypotheses are not evaluated");
                }
            }
            if (nodeAutoscaler) {
                java.util.Set<String> watched = watch.nodeAutoscalers(Duration.ofSeconds(3));
                timeline.markNodeAutoscalers(watched);
                if (watched.isEmpty()) {
                    recorder.event(
                            "agent",
                            "warning",
                            "",
                            "neither Karpenter's NodeClaims nor the cluster-autoscaler's status ConfigMap could be read"
                                    + " within 3 s (no node autoscaler, or the agent may not read them): the nodes"
                                    + " hypotheses do not judge the autoscaler's decision");
                }
            }
            if (!watch.probeKillsListed(Duration.ofSeconds(3))) {
                recorder.event(
                        "agent",
                        "warning",
                        "",
                        "the Events of %s could not be listed within 3 s (is the agent allowed to watch them?):"
                                        .formatted(target.namespace())
                                + " a liveness failure without a fault is told as a plain container end");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    ClusterTimeline timeline() {
        return timeline;
    }

    /** "replicas 2/4" (current/desired) per HPA seen, else the target's ready pods. */
    String replicasNow() {
        List<Observed.HpaStatus> hpas = timeline.latestHpas();
        if (hpas.isEmpty()) {
            OptionalInt available = timeline.availableReplicas();
            return "available " + (available.isPresent() ? String.valueOf(available.getAsInt()) : "?");
        }
        return String.join(
                "  ",
                hpas.stream()
                        .map(h ->
                                (hpas.size() > 1 ? h.hpa() + " " : "") + "replicas " + h.current() + "/" + h.desired())
                        .toList());
    }

    @Override
    public void close() {
        if (watch != null) {
            watch.close();
        }
    }
}
