package dev.aftershock.evaluation;

import dev.aftershock.journal.Series;
import dev.aftershock.journal.TimelineEvent;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Predicate;

/**
 * The cluster side of the run's one clock. Watches hand every object they see here; the timeline
 * keeps what changed (an HPA decision, a pod becoming Ready, a node cordoned) as events and series,
 * and drops repeats. Safe for several watch threads at once.
 */
public final class ClusterTimeline {
    private static final double MIB = 1 << 20;

    private final List<Observed> observed = new ArrayList<>();
    private final List<TimelineEvent> events = new ArrayList<>();
    private final Map<String, List<Series.Point>> points = new LinkedHashMap<>();
    private final Map<String, String> units = new HashMap<>();
    private final Map<String, Observed.HpaStatus> hpas = new LinkedHashMap<>();
    private final Map<String, Observed.PodStatus> pods = new LinkedHashMap<>();
    private final Map<String, Observed.NodeStatus> nodes = new LinkedHashMap<>();
    private final Map<String, Observed.VpaStatus> vpas = new HashMap<>();
    private final java.util.Set<String> sampledPods = new java.util.HashSet<>();

    /** The most target pods whose use is kept and charted (a 10 s sample each). */
    public static final int MAX_SAMPLED_PODS = 50;

    private final Map<String, Boolean> inRotation = new HashMap<>();
    private Observed.WorkloadStatus workload;
    private boolean listed;
    /** The nodes first seen after the watches listed, and when: those added during the run. */
    private final Map<String, Long> nodesAdded = new LinkedHashMap<>();
    /** The target pods first seen after the watches listed: created during the run. */
    private final java.util.Set<String> podsCreated = new java.util.HashSet<>();

    private boolean vpasListed;
    private java.util.Set<String> nodeAutoscalers = java.util.Set.of();
    private boolean rotationWatched;

    /**
     * The watches have listed what existed when they started: a pod first seen from now on was
     * created during the run ("created"), not merely found ("seen").
     */
    public synchronized void markListed() {
        listed = true;
    }

    /** Whether the watches listed what existed when they started (see {@link #markListed}). */
    public synchronized boolean listed() {
        return listed;
    }

    /** The EndpointSlice watch has listed: a pod with no rotation observed was never in one. */
    public synchronized void markRotationWatched() {
        rotationWatched = true;
    }

    public synchronized boolean rotationWatched() {
        return rotationWatched;
    }

    public synchronized void observe(Observed o) {
        switch (o) {
            case Observed.HpaStatus h -> hpa(h);
            case Observed.PodStatus p -> pod(p);
            case Observed.RotationStatus r -> rotation(r);
            case Observed.NodeStatus n -> node(n);
            case Observed.WorkloadStatus w -> workload(w);
            case Observed.ContainerEnded c -> containerEnded(c);
            case Observed.PodDisrupted d -> disrupted(d);
            case Observed.ProbeKill k -> probeKill(k);
            case Observed.ContainerUsage m -> usage(m);
            case Observed.VpaStatus v -> vpa(v);
            case Observed.PodUnschedulable u -> unschedulable(u);
            case Observed.NodeAutoscaling a -> autoscaling(a);
        }
        notifyAll();
    }

    private void hpa(Observed.HpaStatus now) {
        Observed.HpaStatus before = hpas.put(now.hpa(), now);
        if (now.equals(before == null ? null : withTime(before, now.t()))) {
            return;
        }
        observed.add(now);
        String subject = "hpa/" + now.hpa();
        if (before == null) {
            event(
                    now.t(),
                    "hpa",
                    "status",
                    subject,
                    "%d/%d replicas (min %d, max %d), %s"
                            .formatted(now.current(), now.desired(), now.min(), now.max(), now.metricText()));
        } else {
            if (now.metricAboveTarget() && !before.metricAboveTarget()) {
                event(now.t(), "hpa", "metric-above-target", subject, now.metricText());
            } else if (now.metricBelowTarget() && !before.metricBelowTarget()) {
                event(now.t(), "hpa", "metric-below-target", subject, now.metricText());
            }
            if (now.desired() != before.desired()) {
                event(
                        now.t(),
                        "hpa",
                        now.desired() > before.desired() ? "scale-out" : "scale-in",
                        subject,
                        "desired replicas %d -> %d (%s)".formatted(before.desired(), now.desired(), now.metricText()));
            }
            if (now.current() != before.current()) {
                event(
                        now.t(),
                        "hpa",
                        "replicas",
                        subject,
                        "current replicas %d -> %d".formatted(before.current(), now.current()));
            }
        }
        String prefix = "hpa." + now.hpa() + ".";
        point(prefix + "desired", "count", now.t(), now.desired());
        point(prefix + "current", "count", now.t(), now.current());
        if (now.currentValue() != null) {
            point(prefix + "metric", "%", now.t(), now.currentValue());
        }
        if (now.targetValue() != null) {
            point(prefix + "target", "%", now.t(), now.targetValue());
        }
    }

    private static Observed.HpaStatus withTime(Observed.HpaStatus h, long t) {
        return new Observed.HpaStatus(
                t, h.hpa(), h.current(), h.desired(), h.min(), h.max(), h.metric(), h.currentValue(), h.targetValue());
    }

    private void pod(Observed.PodStatus now) {
        Observed.PodStatus before = pods.get(now.uid());
        if (before != null && before.gone()) {
            return;
        }
        pods.put(now.uid(), now);
        String subject = "pod/" + now.pod();
        boolean changed = false;
        if (before == null) {
            if (listed && !now.gone()) {
                podsCreated.add(now.uid());
            }
            event(
                    now.t(),
                    "pod",
                    now.gone() ? departed(now.departure()) : listed ? "created" : "seen",
                    subject,
                    on(now.node()));
            changed = true;
        } else {
            if (now.node() != null && before.node() == null) {
                event(now.t(), "pod", "scheduled", subject, on(now.node()));
                changed = true;
            }
            if (now.ready() != before.ready() && !now.gone()) {
                event(now.t(), "pod", now.ready() ? "ready" : "not-ready", subject, on(now.node()));
                changed = true;
            }
            if (now.terminating() && !before.terminating()) {
                event(now.t(), "pod", "terminating", subject, on(now.node()));
                changed = true;
            }
            if (now.stopped() && !before.stopped() && now.terminating()) {
                event(now.t(), "pod", "stopped", subject, "no container running " + on(now.node()));
                changed = true;
            }
            if (now.gone()) {
                event(now.t(), "pod", departed(now.departure()), subject, on(now.node()));
                changed = true;
            }
        }
        if (changed) {
            observed.add(now);
            point("pods.ready", "count", now.t(), servingPods());
            point(
                    "pods.existing",
                    "count",
                    now.t(),
                    pods.values().stream().filter(p -> !p.gone()).count());
        }
    }

    /** Kept for every pod of the namespace (its slice may arrive before the pod); events only for the target's. */
    private void rotation(Observed.RotationStatus now) {
        Boolean before = inRotation.put(now.uid(), now.inRotation());
        if (before != null && before == now.inRotation()) {
            return;
        }
        observed.add(now);
        Observed.PodStatus pod = pods.get(now.uid());
        if (pod != null) {
            event(
                    now.t(),
                    "endpoints",
                    now.inRotation() ? "in-rotation" : "out-of-rotation",
                    "pod/" + pod.pod(),
                    now.inRotation() ? "listed as ready by its Services" : "no longer listed as ready by its Services");
        }
    }

    private static String departed(Observed.Departure how) {
        return switch (how) {
            case LEFT_SELECTOR -> "left-selector";
            case DELETED_UNWATCHED -> "found-deleted";
            case DELETED, NONE -> "deleted";
        };
    }

    private static String on(String node) {
        return node == null ? "not scheduled" : "on " + node;
    }

    private void node(Observed.NodeStatus now) {
        Observed.NodeStatus before = nodes.put(now.node(), now);
        String subject = "node/" + now.node();
        boolean changed = true;
        if (before == null) {
            // A node first seen once the watches listed was added during the run.
            if (listed && !now.gone()) {
                nodesAdded.put(now.node(), now.t());
            }
            event(now.t(), "node", now.gone() ? "removed" : listed ? "added" : "seen", subject, describe(now));
        } else if (now.gone() && !before.gone()) {
            event(now.t(), "node", "removed", subject, describe(before));
        } else if (now.ready() != before.ready()) {
            event(now.t(), "node", now.ready() ? "ready" : "not-ready", subject, describe(now));
        } else if (now.schedulable() != before.schedulable()) {
            event(now.t(), "node", now.schedulable() ? "uncordoned" : "cordoned", subject, describe(now));
        } else {
            changed = false;
        }
        // Told whatever else changed in the same update (a cordon, readiness).
        if (before != null && !now.gone() && now.memoryPressure() != before.memoryPressure()) {
            event(
                    now.t(),
                    "node",
                    now.memoryPressure() ? "memory-pressure" : "memory-pressure-over",
                    subject,
                    describe(now));
            changed = true;
        }
        if (before != null && !now.gone() && now.memoryPressureTaint() != before.memoryPressureTaint()) {
            event(
                    now.t(),
                    "node",
                    now.memoryPressureTaint() ? "memory-pressure-taint" : "memory-pressure-taint-removed",
                    subject,
                    describe(now));
            changed = true;
        }
        if (changed) {
            observed.add(now);
            point(
                    "nodes.ready",
                    "count",
                    now.t(),
                    nodes.values().stream().filter(n -> n.ready() && !n.gone()).count());
            point("nodes.schedulable", "count", now.t(), readyNodes());
        }
    }

    private static String describe(Observed.NodeStatus n) {
        return (n.ready() ? "Ready" : "NotReady")
                + (n.schedulable() ? "" : ", unschedulable")
                + (n.memoryPressure() ? ", MemoryPressure" : "")
                + (n.memoryPressureTaint() ? ", tainted memory-pressure" : "");
    }

    /**
     * Kept (the vpa hypothesis judges the use), and as series: {@code memory/<pod>/<container>}
     * (MiB), with {@code .../request} and {@code .../limit} when the container has them, and {@code
     * cpu/<pod>/<container>} (millicores): names a pod or container cannot break, since neither
     * holds a '/'.
     */
    private void usage(Observed.ContainerUsage m) {
        // A large target would fill the journal with series: the first pods sampled stand for it.
        if (!sampledPods.contains(m.pod())) {
            if (sampledPods.size() >= MAX_SAMPLED_PODS) {
                return;
            }
            sampledPods.add(m.pod());
        }
        observed.add(m);
        if (m.cpuMillicores() >= 0) {
            point(Series.CPU + m.pod() + "/" + m.container(), "m", m.t(), m.cpuMillicores());
        }
        String series = Series.MEMORY + m.pod() + "/" + m.container();
        point(series, "MiB", m.t(), mib(m.workingSetBytes()));
        if (m.requestBytes() > 0) {
            point(series + "/request", "MiB", m.t(), mib(m.requestBytes()));
        }
        if (m.limitBytes() > 0) {
            point(series + "/limit", "MiB", m.t(), mib(m.limitBytes()));
        }
    }

    /**
     * Kept when its targets changed (the vpa hypothesis judges the recommendations), and as series {@code
     * vpa/<vpa>/<container>/<cpu or memory>-<target, lower or upper>} (millicores, MiB).
     */
    private void vpa(Observed.VpaStatus v) {
        Observed.VpaStatus before = vpas.put(v.vpa(), v);
        for (Observed.VpaRecommendation c : v.containers()) {
            String series = Series.VPA + v.vpa() + "/" + c.container() + "/";
            vpaPoint(series + "cpu-target", "m", v.t(), c.cpuTarget());
            vpaPoint(series + "cpu-lower", "m", v.t(), c.cpuLower());
            vpaPoint(series + "cpu-upper", "m", v.t(), c.cpuUpper());
            vpaPoint(series + "memory-target", "MiB", v.t(), c.memoryTarget() < 0 ? -1 : mib(c.memoryTarget()));
            vpaPoint(series + "memory-lower", "MiB", v.t(), c.memoryLower() < 0 ? -1 : mib(c.memoryLower()));
            vpaPoint(series + "memory-upper", "MiB", v.t(), c.memoryUpper() < 0 ? -1 : mib(c.memoryUpper()));
        }
        // The bounds move with the recommender's confidence on most of its loops: only a change of
        // target is a change of recommendation.
        if (before != null && targets(before).equals(targets(v))) {
            return;
        }
        observed.add(v);
        event(
                v.t(),
                "vpa",
                before == null ? "seen" : "recommendation",
                "vpa/" + v.vpa(),
                v.containers().isEmpty()
                        ? "no recommendation yet"
                        : String.join(
                                "; ",
                                v.containers().stream()
                                        .map(c -> "%s: target cpu %s, memory %s"
                                                .formatted(
                                                        c.container(),
                                                        c.cpuTarget() < 0 ? "-" : c.cpuTarget() + "m",
                                                        c.memoryTarget() < 0 ? "-" : mib(c.memoryTarget()) + " MiB"))
                                        .toList()));
    }

    private static List<List<Object>> targets(Observed.VpaStatus v) {
        return v.containers().stream()
                .map(c -> List.<Object>of(c.container(), c.cpuTarget(), c.memoryTarget()))
                .toList();
    }

    private void vpaPoint(String series, String unit, long t, double v) {
        if (v >= 0) {
            point(series, unit, t, v);
        }
    }

    private static double mib(long bytes) {
        return Math.round(bytes / MIB * 10) / 10.0;
    }

    private void unschedulable(Observed.PodUnschedulable now) {
        // Seen before the watches listed: it was waiting when the run began.
        Observed.PodUnschedulable kept =
                listed ? now : new Observed.PodUnschedulable(now.t(), now.uid(), now.pod(), now.message(), true);
        observed.add(kept);
        event(
                now.t(),
                "pod",
                "unschedulable",
                "pod/" + now.pod(),
                (kept.beforeRun() ? "waiting since before the run: " : "") + now.message());
    }

    /** The node autoscaler's steps, told as it said them (the nodes hypothesis reads them back). */
    private void autoscaling(Observed.NodeAutoscaling now) {
        observed.add(now);
        event(
                now.t(),
                "autoscaler",
                now.step().label(),
                now.subject(),
                now.autoscaler() + ": " + now.message() + (now.node().isEmpty() ? "" : " (node " + now.node() + ")"));
    }

    private void probeKill(Observed.ProbeKill now) {
        observed.add(now);
        event(now.t(), "pod", "probe-kill", "pod/" + now.pod(), now.message());
    }

    private void containerEnded(Observed.ContainerEnded now) {
        observed.add(now);
        event(
                now.t(),
                "pod",
                "container-ended",
                "pod/" + now.pod(),
                "container %s: %s (exit code %d) %s"
                        .formatted(now.container(), now.reason(), now.exitCode(), on(now.node())));
    }

    private void disrupted(Observed.PodDisrupted now) {
        observed.add(now);
        event(
                now.t(),
                "pod",
                now.failed() ? "failed" : "disrupted",
                "pod/" + now.pod(),
                (now.failed() ? now.reason() + (now.message().isEmpty() ? "" : ": " + now.message()) : now.disruption())
                        + " " + on(now.node()));
    }

    private void workload(Observed.WorkloadStatus now) {
        Observed.WorkloadStatus before = workload;
        workload = now;
        if (before != null
                && before.available() == now.available()
                && before.ready() == now.ready()
                && before.replicas() == now.replicas()) {
            return;
        }
        observed.add(now);
        point("workload.available", "count", now.t(), now.available());
    }

    private void event(long t, String source, String kind, String subject, String message) {
        events.add(new TimelineEvent(t, source, kind, subject, message));
    }

    private void point(String series, String unit, long t, double v) {
        List<Series.Point> list = points.computeIfAbsent(series, k -> new ArrayList<>());
        units.putIfAbsent(series, unit);
        if (!list.isEmpty() && list.get(list.size() - 1).v() == v) {
            return;
        }
        list.add(new Series.Point(t, v));
    }

    private long servingPods() {
        return pods.values().stream().filter(Observed.PodStatus::serving).count();
    }

    /** Ready nodes that take new pods. */
    public synchronized int readyNodes() {
        return (int) nodes.values().stream()
                .filter(n -> n.ready() && n.schedulable() && !n.gone())
                .count();
    }

    public synchronized OptionalInt availableReplicas() {
        return workload == null ? OptionalInt.empty() : OptionalInt.of(workload.available());
    }

    /** The latest status of each HPA seen, for the progress line. */
    public synchronized List<Observed.HpaStatus> latestHpas() {
        return List.copyOf(hpas.values());
    }

    /** Everything that changed, in the order it was seen. */
    public synchronized List<Observed> observed() {
        return List.copyOf(observed);
    }

    /**
     * The changes of the target's endpoints during the run: a pod in or out of its Services'
     * EndpointSlices after it had been the other way, or a pod created during the run entering
     * them. A pod listed in rotation when the watch began (its first status) did not change.
     */
    public synchronized List<Observed.RotationStatus> rotationChanges() {
        Map<String, Boolean> seen = new HashMap<>();
        List<Observed.RotationStatus> changes = new ArrayList<>();
        for (Observed o : observed) {
            if (o instanceof Observed.RotationStatus r && pods.containsKey(r.uid())) {
                Boolean before = seen.put(r.uid(), r.inRotation());
                if (before != null ? before != r.inRotation() : podsCreated.contains(r.uid())) {
                    changes.add(r);
                }
            }
        }
        return changes;
    }

    /** The nodes added during the run (first seen after the watches listed), with when, in that order. */
    public synchronized Map<String, Long> nodesAdded() {
        return java.util.Collections.unmodifiableMap(new LinkedHashMap<>(nodesAdded));
    }

    /** The VerticalPodAutoscalers' watch listed (only a run with a vpa hypothesis watches them). */
    /**
     * Which node autoscalers the run could watch: {@code karpenter} when its NodeClaims were
     * listed, {@code cluster-autoscaler} when its status ConfigMap was there.
     */
    public synchronized void markNodeAutoscalers(java.util.Set<String> watched) {
        nodeAutoscalers = java.util.Set.copyOf(watched);
    }

    public synchronized java.util.Set<String> nodeAutoscalers() {
        return nodeAutoscalers;
    }

    public synchronized void markVpasListed() {
        vpasListed = true;
    }

    public synchronized boolean vpasListed() {
        return vpasListed;
    }

    public <T extends Observed> List<T> observed(Class<T> kind) {
        return observed().stream().filter(kind::isInstance).map(kind::cast).toList();
    }

    public synchronized List<TimelineEvent> events() {
        return List.copyOf(events);
    }

    public synchronized List<Series> series() {
        List<Series> all = new ArrayList<>();
        points.forEach((name, list) -> all.add(new Series(name, units.get(name), list)));
        return all;
    }

    /** Waits until {@code condition} holds or the time is up; true if it held. Woken by every observation. */
    public synchronized boolean awaitUntil(Predicate<ClusterTimeline> condition, long timeoutMs)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
        while (!condition.test(this)) {
            long left = (deadline - System.nanoTime()) / 1_000_000L;
            if (left <= 0) {
                return false;
            }
            wait(left);
        }
        return true;
    }

    /** The HPA's name if one was seen; for messages. */
    public synchronized Optional<Observed.HpaStatus> hpa(String name) {
        return Optional.ofNullable(hpas.get(Objects.requireNonNull(name)));
    }
}
