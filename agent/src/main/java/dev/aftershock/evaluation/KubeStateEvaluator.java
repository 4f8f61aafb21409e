package dev.aftershock.evaluation;

import dev.aftershock.journal.HypothesisResult;
import dev.aftershock.journal.HypothesisResult.Verdict;
import dev.aftershock.journal.Measurement;
import dev.aftershock.model.Durations;
import dev.aftershock.model.Hypothesis;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;

/**
 * Judges a {@code kube} hypothesis: the state the watches last reported, waited for (as it changes,
 * never polled) until {@code within} has passed after the run.
 */
public final class KubeStateEvaluator {
    private KubeStateEvaluator() {}

    public static HypothesisResult judge(Hypothesis.Kube h, ClusterTimeline timeline, String workload)
            throws InterruptedException {
        long waitedFrom = System.nanoTime();
        boolean met = timeline.awaitUntil(t -> holds(h, t), h.within().toMillis());
        long waited = (System.nanoTime() - waitedFrom) / 1_000_000L;
        List<Measurement> evidence = new ArrayList<>();
        List<String> measured = new ArrayList<>();
        OptionalInt available = timeline.availableReplicas();
        if (h.availableReplicasAtLeast().isPresent()) {
            if (available.isEmpty()) {
                return new HypothesisResult(
                        h.name(),
                        "kube",
                        Verdict.NOT_EVALUATED,
                        expected(h, workload),
                        "the status of " + workload + " was never seen",
                        List.of());
            }
            evidence.add(new Measurement("available replicas", available.getAsInt(), "count"));
            measured.add("available replicas " + available.getAsInt());
        }
        if (h.readyNodesAtLeast().isPresent()) {
            evidence.add(new Measurement("ready schedulable nodes", timeline.readyNodes(), "count"));
            measured.add("ready schedulable nodes " + timeline.readyNodes());
        }
        evidence.add(new Measurement("waited after the run", waited, "ms"));
        String what = String.join(", ", measured);
        return new HypothesisResult(
                h.name(),
                "kube",
                met ? Verdict.PASSED : Verdict.FAILED,
                expected(h, workload),
                met ? what : "still " + what + " " + Durations.format(h.within()) + " after the run",
                evidence);
    }

    static boolean holds(Hypothesis.Kube h, ClusterTimeline t) {
        boolean ok = true;
        if (h.availableReplicasAtLeast().isPresent()) {
            OptionalInt available = t.availableReplicas();
            ok = available.isPresent()
                    && available.getAsInt() >= h.availableReplicasAtLeast().getAsInt();
        }
        if (h.readyNodesAtLeast().isPresent()) {
            ok &= t.readyNodes() >= h.readyNodesAtLeast().getAsInt();
        }
        return ok;
    }

    static String expected(Hypothesis.Kube h, String workload) {
        List<String> parts = new ArrayList<>();
        h.availableReplicasAtLeast()
                .ifPresent(n -> parts.add(workload + " has at least " + n + " available replica(s)"));
        h.readyNodesAtLeast().ifPresent(n -> parts.add("at least " + n + " Ready schedulable node(s)"));
        return String.join(" and ", parts) + ", within " + Durations.format(h.within()) + " after the run";
    }
}
