package dev.aftershock.evaluation;

import dev.aftershock.journal.HypothesisResult;
import dev.aftershock.journal.HypothesisResult.Verdict;
import dev.aftershock.journal.Measurement;
import dev.aftershock.journal.Termination;
import dev.aftershock.model.Hypothesis;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Judges a {@code memory} hypothesis on how the target's pod terminations ended: the kernel's OOM
 * kills of its containers, the kubelet's evictions of its pods, and the order of those evictions by
 * QoS class. Not evaluated (never passed) when the pod watch never listed (an end may have been
 * missed), or when an order is asked of fewer than two evictions (there is no order to judge).
 */
public final class MemoryEvaluator {
    private static final String KIND = "memory";

    /** The kubelet evicts BestEffort pods first, then Burstable ones (over their requests), then Guaranteed ones. */
    private static final Map<String, Integer> QOS_RANK = Map.of("BestEffort", 0, "Burstable", 1, "Guaranteed", 2);

    private static final String MEMORY_EVICTION = Termination.KUBELET_EVICTION + " (memory)";

    private MemoryEvaluator() {}

    public static HypothesisResult judge(Hypothesis.Memory h, Evidence e) {
        String expected = expected(h);
        if (!e.cluster().listed() || e.terminations() == null) {
            return new HypothesisResult(
                    h.name(),
                    KIND,
                    Verdict.NOT_EVALUATED,
                    expected,
                    "the run's watches had not listed the cluster within 15 s: an OOM kill or eviction may have been missed",
                    List.of());
        }
        List<Termination> oomKills = e.terminations().stream()
                .filter(t -> Termination.OOM_KILLED.equals(t.how()))
                .toList();
        // For memory: a disk eviction is the kubelet's too, but not this hypothesis's business.
        List<Termination> evictions = e.terminations().stream()
                .filter(t -> MEMORY_EVICTION.equals(t.how()))
                .toList();
        List<Measurement> evidence = List.of(
                new Measurement("OOM kills", oomKills.size(), "count"),
                new Measurement("evictions by the kubelet", evictions.size(), "count"));
        List<String> off = new ArrayList<>();
        h.maxOomKills().ifPresent(max -> {
            if (oomKills.size() > max) {
                off.add("%d OOM kill(s), at most %d expected: %s".formatted(oomKills.size(), max, pods(oomKills)));
            }
        });
        h.maxEvictions().ifPresent(max -> {
            if (evictions.size() > max) {
                off.add("%d eviction(s) by the kubelet, at most %d expected: %s"
                        .formatted(evictions.size(), max, pods(evictions)));
            }
        });
        if (h.evictionOrderByQos()) {
            Optional<String> unjudged = evictions.size() < 2
                    ? Optional.of("%d eviction(s) by the kubelet: no order to judge".formatted(evictions.size()))
                    : evictions.stream()
                            .filter(t -> !QOS_RANK.containsKey(t.qos()))
                            .findFirst()
                            .map(t -> "pod %s was evicted with no QoS class known: the order cannot be judged"
                                    .formatted(t.pod()));
            if (unjudged.isPresent()) {
                // The limits may have failed already; the order alone is never a pass.
                return new HypothesisResult(
                        h.name(),
                        KIND,
                        off.isEmpty() ? Verdict.NOT_EVALUATED : Verdict.FAILED,
                        expected,
                        (off.isEmpty() ? "" : String.join("; ", off) + "; ") + unjudged.get(),
                        evidence);
            }
            outOfOrder(evictions).ifPresent(off::add);
        }
        String measured = off.isEmpty()
                ? "%d OOM kill(s), %d eviction(s) by the kubelet%s"
                        .formatted(
                                oomKills.size(),
                                evictions.size(),
                                h.evictionOrderByQos() ? ", in QoS order: " + pods(evictions) : "")
                : String.join("; ", off);
        return new HypothesisResult(
                h.name(), KIND, off.isEmpty() ? Verdict.PASSED : Verdict.FAILED, expected, measured, evidence);
    }

    /** The first eviction of a lower QoS class after one of a higher class, in the order they began. */
    private static java.util.Optional<String> outOfOrder(List<Termination> evictions) {
        Termination highest = null;
        for (Termination t : evictions) {
            int rank = QOS_RANK.get(t.qos());
            if (highest != null && rank < QOS_RANK.get(highest.qos())) {
                return java.util.Optional.of("pod %s (%s) was evicted after pod %s (%s)"
                        .formatted(t.pod(), t.qos(), highest.pod(), highest.qos()));
            }
            if (highest == null || rank > QOS_RANK.get(highest.qos())) {
                highest = t;
            }
        }
        return java.util.Optional.empty();
    }

    private static String pods(List<Termination> ts) {
        return String.join(
                ", ",
                ts.stream()
                        .map(t -> "%s (%s, %s)".formatted(t.pod(), t.qos(), t.causeText()))
                        .toList());
    }

    static String expected(Hypothesis.Memory h) {
        List<String> parts = new ArrayList<>();
        h.maxOomKills().ifPresent(n -> parts.add("at most %d OOM kill(s)".formatted(n)));
        h.maxEvictions().ifPresent(n -> parts.add("at most %d eviction(s) by the kubelet".formatted(n)));
        if (h.evictionOrderByQos()) {
            parts.add("evictions in QoS order (BestEffort, Burstable, Guaranteed)");
        }
        return String.join(", ", parts);
    }
}
