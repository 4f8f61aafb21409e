package dev.aftershock.evaluation;

import dev.aftershock.journal.HypothesisResult;
import dev.aftershock.journal.HypothesisResult.Verdict;
import dev.aftershock.journal.Measurement;
import dev.aftershock.model.Durations;
import dev.aftershock.model.Hypothesis;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.Function;

/**
 * Judges a {@code nodes} hypothesis on one timeline of the node autoscaler, as the run's watches
 * saw it: from the first target pod the scheduler marked Unschedulable, the autoscaler's decision
 * (whichever it is: a Karpenter NodeClaim, a cluster-autoscaler {@code TriggeredScaleUp}), each
 * node added during the run registered and Ready, every pod that waited Ready; later, each node
 * the target's pods left, removed; and the cluster's size at every moment. What was asked but did
 * not come to pass in the run (no pod ever waited, a run too short to see the end) is not
 * evaluated, never passed.
 */
public final class NodesEvaluator {
    private static final String KIND = "nodes";
    /** The autoscaler's watch and the pods' are two: its decision may be seen a moment before the pod's mark. */
    static final long DECISION_BEFORE_PENDING_MS = 5_000;

    private NodesEvaluator() {}

    /**
     * What happened, in order, from the run's first Unschedulable target pod on: the autoscaler's
     * decision for those pods, the first new node one of them was placed on registered and Ready,
     * all of them Ready; which never ran, and which were placed on nodes there before.
     */
    record ScaleUp(
            long pendingAt,
            int podsWaited,
            OptionalLong decidedAt,
            String decidedBy,
            OptionalLong registeredAt,
            OptionalLong readyAt,
            OptionalLong allRunningAt,
            List<String> neverRan,
            boolean placedOnlyOnOldNodes) {}

    public static HypothesisResult judge(Hypothesis.Nodes h, Evidence e) {
        String expected = expected(h);
        if (!e.cluster().listed()) {
            return new HypothesisResult(
                    h.name(),
                    KIND,
                    Verdict.NOT_EVALUATED,
                    expected,
                    "the run's watches had not listed the cluster within 15 s",
                    List.of());
        }
        List<Measurement> evidence = new ArrayList<>();
        List<String> off = new ArrayList<>();
        List<String> said = new ArrayList<>();
        List<String> unjudged = new ArrayList<>();
        ClusterTimeline t = e.cluster();
        Map<String, Long> added = t.nodesAdded();
        evidence.add(new Measurement("nodes added", added.size(), "count"));
        Optional<ScaleUp> up = scaleUp(t, added);
        up.ifPresent(u -> {
            evidence.add(new Measurement("pods unschedulable", u.podsWaited(), "count"));
            evidence.add(new Measurement("first pod unschedulable at", u.pendingAt(), "ms"));
            u.decidedAt()
                    .ifPresent(at -> evidence.add(new Measurement("scale-up decided after", at - u.pendingAt(), "ms")));
            u.registeredAt()
                    .ifPresent(at -> evidence.add(new Measurement("node registered after", at - u.pendingAt(), "ms")));
            u.readyAt().ifPresent(at -> evidence.add(new Measurement("node ready after", at - u.pendingAt(), "ms")));
            u.allRunningAt()
                    .ifPresent(at -> evidence.add(new Measurement("pods running after", at - u.pendingAt(), "ms")));
        });
        List<String> waitingBefore = t.observed(Observed.PodUnschedulable.class).stream()
                .filter(Observed.PodUnschedulable::beforeRun)
                .map(Observed.PodUnschedulable::pod)
                .distinct()
                .sorted()
                .toList();
        String nothingToTime = waitingBefore.isEmpty()
                ? "no target pod was unschedulable in the run: nothing asked for a node"
                : "no target pod began waiting in the run, and %s waited since before it: a wait that began"
                                .formatted(String.join(", ", waitingBefore))
                        + " before the run cannot be timed";
        for (Phase p : List.of(
                new Phase("a scale-up decision", "no scale-up decision", h.decisionWithin(), ScaleUp::decidedAt),
                new Phase("a new node Ready", "no new node Ready", h.scaleUpWithin(), ScaleUp::readyAt),
                new Phase(
                        "every waiting pod Ready",
                        "not every waiting pod Ready",
                        h.podsRunningWithin(),
                        ScaleUp::allRunningAt))) {
            p.within().ifPresent(within -> {
                if (up.isEmpty()) {
                    if (!unjudged.contains(nothingToTime)) {
                        unjudged.add(nothingToTime);
                    }
                } else if (p.at().apply(up.get()).isEmpty() && whyNotSeen(p, up.get(), t) != null) {
                    unjudged.add(whyNotSeen(p, up.get(), t));
                } else {
                    phase(p, up.get(), within, e.runEndMs(), off, said, unjudged);
                }
            });
        }
        h.scaleDownWithin()
                .ifPresent(within -> scaleDown(t, added, within, e.runEndMs(), evidence, off, said, unjudged));
        h.maxNodes().ifPresent(max -> {
            if (t.observed(Observed.NodeStatus.class).isEmpty()) {
                unjudged.add("no node was seen: the cluster's size is not known");
                return;
            }
            int most = mostNodes(t);
            evidence.add(new Measurement("most nodes", most, "count"));
            if (most > max) {
                off.add("%d nodes at once, at most %d expected".formatted(most, max));
            } else {
                said.add("at most %d nodes at once".formatted(most));
            }
        });
        up.map(u -> u.decidedBy()).filter(by -> !by.isEmpty()).ifPresent(by -> said.add("decided by " + by));
        Verdict verdict = !off.isEmpty() ? Verdict.FAILED : unjudged.isEmpty() ? Verdict.PASSED : Verdict.NOT_EVALUATED;
        List<String> told = new ArrayList<>(off);
        told.addAll(unjudged);
        return new HypothesisResult(
                h.name(),
                KIND,
                verdict,
                expected,
                String.join("; ", verdict == Verdict.PASSED ? said : told),
                evidence);
    }

    /**
     * A phase of the scale-up: what it is, what its absence is called, its bound when the
     * hypothesis asks for one, and when it came.
     */
    private record Phase(String what, String none, Optional<Duration> within, Function<ScaleUp, OptionalLong> at) {}

    /** Why a phase not seen cannot be judged at all (null: it can, and its absence counts). */
    private static String whyNotSeen(Phase p, ScaleUp up, ClusterTimeline t) {
        if (p.what().equals("a scale-up decision") && t.nodeAutoscalers().isEmpty()) {
            return "no scale-up decision seen, and neither Karpenter's NodeClaims nor the cluster-autoscaler's status"
                    + " could be read: the decision cannot be judged";
        }
        if (!p.what().equals("every waiting pod Ready") && up.placedOnlyOnOldNodes()) {
            return "the waiting pods were placed on nodes that were there before: no node was added for them";
        }
        return null;
    }

    /** One phase of the scale-up against its bound: too late, in time, or not seen in a run too short. */
    private static void phase(
            Phase p,
            ScaleUp up,
            Duration within,
            long runEnd,
            List<String> off,
            List<String> said,
            List<String> unjudged) {
        long pending = up.pendingAt();
        OptionalLong when = p.at().apply(up);
        if (when.isEmpty()) {
            if (runEnd - pending < within.toMillis()) {
                unjudged.add("the run ended %.1f s after the first pod was unschedulable, before %s had passed, with %s"
                        .formatted((runEnd - pending) / 1000.0, Durations.format(within), p.none()));
            } else {
                String neverRan =
                        up.neverRan().isEmpty() ? "" : " (never Ready: " + String.join(", ", up.neverRan()) + ")";
                off.add("%s by the run's end, within %s expected%s"
                        .formatted(p.none(), Durations.format(within), neverRan));
            }
            return;
        }
        long took = Math.max(0, when.getAsLong() - pending);
        if (took > within.toMillis()) {
            off.add("%s after %.1f s, within %s expected".formatted(p.what(), took / 1000.0, Durations.format(within)));
        } else {
            said.add("%s after %.1f s".formatted(p.what(), took / 1000.0));
        }
    }

    /**
     * From the first target pod that began waiting in the run: the autoscaler's first decision for
     * the waiting pods (a {@code TriggeredScaleUp} on one of them, a NodeClaim a waiting pod was
     * nominated to or whose node it was placed on; from a moment before the pod's mark), the first
     * node added then that a waiting pod was placed on, registered and Ready, and when the last
     * waiting pod was Ready (one deleted before it ran, as a scale-in does, is not waited for). A
     * node another workload's pods brought is not theirs.
     */
    static Optional<ScaleUp> scaleUp(ClusterTimeline t, Map<String, Long> added) {
        List<Observed.PodUnschedulable> pending = t.observed(Observed.PodUnschedulable.class).stream()
                .filter(p -> !p.beforeRun())
                .toList();
        if (pending.isEmpty()) {
            return Optional.empty();
        }
        long pendingAt =
                pending.stream().mapToLong(Observed.PodUnschedulable::t).min().orElseThrow();
        long from = pendingAt - DECISION_BEFORE_PENDING_MS;
        Map<String, String> names = new HashMap<>();
        Map<String, Long> waitedFrom = new HashMap<>();
        pending.forEach(p -> {
            waitedFrom.merge(p.uid(), p.t(), Math::min);
            names.put(p.uid(), p.pod());
        });
        // Where each pod that waited was placed, when it was Ready, or that it went before it ran.
        Map<String, String> placedOn = new HashMap<>();
        Map<String, Long> readyAt = new HashMap<>();
        Set<String> goneBeforeRunning = new HashSet<>();
        for (Observed.PodStatus p : t.observed(Observed.PodStatus.class)) {
            Long since = waitedFrom.get(p.uid());
            if (since == null || p.t() < since || readyAt.containsKey(p.uid())) {
                continue;
            }
            if (p.node() != null && !p.node().isEmpty()) {
                placedOn.putIfAbsent(p.uid(), p.node());
            }
            if (p.serving()) {
                readyAt.put(p.uid(), p.t());
            } else if (p.gone() || p.terminating()) {
                goneBeforeRunning.add(p.uid());
            }
        }
        Set<String> newNodes = new HashSet<>();
        placedOn.values().stream()
                .filter(n -> added.containsKey(n) && added.get(n) >= from)
                .forEach(newNodes::add);
        OptionalLong registered = newNodes.stream().mapToLong(added::get).min();
        OptionalLong ready = t.observed(Observed.NodeStatus.class).stream()
                .filter(n -> newNodes.contains(n.node()) && n.ready() && !n.gone())
                .mapToLong(Observed.NodeStatus::t)
                .min();
        Optional<Observed.NodeAutoscaling> decision = decision(t, from, names.values(), newNodes);
        List<String> neverRan = waitedFrom.keySet().stream()
                .filter(uid -> !readyAt.containsKey(uid) && !goneBeforeRunning.contains(uid))
                .map(names::get)
                .sorted()
                .toList();
        OptionalLong allRunning = neverRan.isEmpty() && !readyAt.isEmpty()
                ? readyAt.values().stream().mapToLong(Long::longValue).max()
                : OptionalLong.empty();
        return Optional.of(new ScaleUp(
                pendingAt,
                waitedFrom.size(),
                decision.map(d -> OptionalLong.of(d.t())).orElse(OptionalLong.empty()),
                decision.map(d -> d.autoscaler() + " (" + d.subject() + ")").orElse(""),
                registered,
                ready,
                allRunning,
                neverRan,
                !placedOn.isEmpty() && newNodes.isEmpty()));
    }

    private static final java.util.regex.Pattern NODE_CLAIM = java.util.regex.Pattern.compile("nodeclaim/([^,\\s)]+)");

    /**
     * The autoscaler's first scale-up decision for the waiting pods: a {@code TriggeredScaleUp} on
     * one of them, or a NodeClaim one of them was nominated to or placed on (through its node).
     * The cluster-autoscaler's status names no pod: on its own it does not count.
     */
    private static Optional<Observed.NodeAutoscaling> decision(
            ClusterTimeline t, long from, java.util.Collection<String> waitingPods, Set<String> newNodes) {
        List<Observed.NodeAutoscaling> steps = t.observed(Observed.NodeAutoscaling.class);
        Set<String> subjects = new HashSet<>();
        waitingPods.forEach(pod -> subjects.add("pod/" + pod));
        for (Observed.NodeAutoscaling s : steps) {
            if (s.subject().startsWith("nodeclaim/") && newNodes.contains(s.node())) {
                subjects.add(s.subject());
            }
            if (s.step() == Observed.NodeAutoscaling.Step.NOMINATED && subjects.contains(s.subject())) {
                java.util.regex.Matcher m = NODE_CLAIM.matcher(s.message());
                if (m.find()) {
                    subjects.add("nodeclaim/" + m.group(1));
                }
            }
        }
        return steps.stream()
                .filter(s -> s.step() == Observed.NodeAutoscaling.Step.SCALE_UP_DECIDED
                        && s.t() >= from
                        && subjects.contains(s.subject()))
                .min(Comparator.comparingLong(Observed.NodeAutoscaling::t));
    }

    /**
     * Each node the autoscaler might take away (added during the run, or one it said it would
     * remove) that the target's pods ran on and all left: removed within the bound of the last one
     * leaving (a node gone before its pods' departures were seen counts as removed at once). The
     * autoscaler's own decision is evidence, not the measure: a node is scaled down when it is gone.
     */
    private static void scaleDown(
            ClusterTimeline t,
            Map<String, Long> added,
            Duration within,
            long runEnd,
            List<Measurement> evidence,
            List<String> off,
            List<String> said,
            List<String> unjudged) {
        Set<String> removable = new HashSet<>(added.keySet());
        t.observed(Observed.NodeAutoscaling.class).stream()
                .filter(s -> s.step() == Observed.NodeAutoscaling.Step.SCALE_DOWN_DECIDED
                        && !s.node().isEmpty())
                .forEach(s -> removable.add(s.node()));
        Map<String, Long> emptiedAt = new HashMap<>(emptied(t));
        emptiedAt.keySet().retainAll(removable);
        if (emptiedAt.isEmpty()) {
            unjudged.add("no node added in the run (or marked for removal) was left by all the target's pods:"
                    + " nothing to scale down");
            return;
        }
        Map<String, Long> removedAt = new HashMap<>();
        t.observed(Observed.NodeStatus.class).stream()
                .filter(Observed.NodeStatus::gone)
                .forEach(n -> removedAt.putIfAbsent(n.node(), n.t()));
        emptiedAt.forEach((node, at) -> {
            Long removed = removedAt.get(node);
            if (removed != null) {
                long took = Math.max(0, removed - at);
                evidence.add(new Measurement("node " + node + " removed after", took, "ms"));
                if (took > within.toMillis()) {
                    off.add("node %s removed %.1f s after the target's pods left it, within %s expected"
                            .formatted(node, took / 1000.0, Durations.format(within)));
                } else {
                    said.add("node %s removed %.1f s after the target's pods left it".formatted(node, took / 1000.0));
                }
            } else if (runEnd - at < within.toMillis()) {
                unjudged.add("the run ended %.1f s after the target's pods left node %s, before %s had passed"
                        .formatted((runEnd - at) / 1000.0, node, Durations.format(within)));
            } else {
                off.add("node %s still there %.1f s after the target's pods left it, removed within %s expected"
                        .formatted(node, (runEnd - at) / 1000.0, Durations.format(within)));
            }
        });
    }

    /**
     * The nodes whose target pods all left during the run, with when the last left (deleted or
     * terminating), among the nodes the run saw; a node a target pod still runs on is not one.
     */
    static Map<String, Long> emptied(ClusterTimeline t) {
        Map<String, Map<String, Long>> leftAt = new HashMap<>();
        Map<String, Set<String>> onNode = new HashMap<>();
        for (Observed.PodStatus p : t.observed(Observed.PodStatus.class)) {
            if (p.node() == null || p.node().isEmpty()) {
                continue;
            }
            onNode.computeIfAbsent(p.node(), n -> new HashSet<>()).add(p.uid());
            if (p.gone() || p.terminating()) {
                leftAt.computeIfAbsent(p.node(), n -> new HashMap<>()).putIfAbsent(p.uid(), p.t());
            }
        }
        Map<String, Long> emptied = new HashMap<>();
        onNode.forEach((node, uids) -> {
            Map<String, Long> left = leftAt.getOrDefault(node, Map.of());
            if (left.keySet().containsAll(uids)) {
                emptied.put(
                        node,
                        left.values().stream().mapToLong(Long::longValue).max().orElseThrow());
            }
        });
        return emptied;
    }

    /** The most nodes present at once, replaying the node watch in order. */
    static int mostNodes(ClusterTimeline t) {
        Set<String> present = new HashSet<>();
        int most = 0;
        for (Observed.NodeStatus n : t.observed(Observed.NodeStatus.class)) {
            if (n.gone()) {
                present.remove(n.node());
            } else {
                present.add(n.node());
            }
            most = Math.max(most, present.size());
        }
        return most;
    }

    static String expected(Hypothesis.Nodes h) {
        List<String> parts = new ArrayList<>();
        h.decisionWithin().ifPresent(d -> parts.add("a scale-up decision within " + Durations.format(d)));
        h.scaleUpWithin().ifPresent(d -> parts.add("a new node Ready within " + Durations.format(d)));
        h.podsRunningWithin().ifPresent(d -> parts.add("the waiting pods Ready within " + Durations.format(d)));
        h.scaleDownWithin().ifPresent(d -> parts.add("an emptied node removed within " + Durations.format(d)));
        h.maxNodes().ifPresent(n -> parts.add("at most " + n + " nodes"));
        return String.join(", ", parts) + " (from the first unschedulable target pod)";
    }
}
