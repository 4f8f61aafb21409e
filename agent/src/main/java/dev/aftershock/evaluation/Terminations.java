package dev.aftershock.evaluation;

import dev.aftershock.journal.FaultRecord;
import dev.aftershock.journal.Measurement;
import dev.aftershock.journal.TargetRecord;
import dev.aftershock.journal.Termination;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Every termination of a target pod during the run, from what the watches saw (pods, EndpointSlices,
 * HPAs) and what the faults recorded, each with its cause: the shutdown hypothesis judges them all,
 * whatever caused them, and the report lists them.
 */
public final class Terminations {
    /** A pod fault's deletion shows in the pod watch within moments of its injection. */
    private static final long POD_FAULT_SLACK_MS = 2_000;

    /** A probe kill waits for the container to stop: up to its grace period (120 s is past most). */
    private static final long PROBE_KILL_BEFORE_MS = 120_000;

    /** The kill's Event and the container's end come through two watches, in either order. */
    private static final long PROBE_KILL_AFTER_MS = 5_000;

    /**
     * An HPA's scale-in deletes its pods within moments of its decision (the watches see both); this
     * allows for a slow controller.
     */
    private static final long SCALE_IN_SLACK_MS = 15_000;

    /** A rollout's last old pod may begin to terminate a little after the rollout was judged done. */
    private static final long ROLLOUT_SLACK_MS = 5_000;

    /** The kubelet may still be evicting for a moment after a node fault let go of its node. */
    private static final long NODE_FAULT_SLACK_MS = 10_000;

    /** A fault's signal or OOM kill shows in the container's status within this long. */
    private static final long CONTAINER_END_SLACK_MS = 15_000;

    /** A deletion's way out of rotation may arrive on its own watch a moment before the pod's update. */
    private static final long ROTATION_SLACK_MS = 1_000;

    private Terminations() {}

    /** What a run hands over: what it saw, what its faults did, its load, and when its timeline ended. */
    public record Inputs(
            ClusterTimeline cluster,
            List<FaultRecord> faults,
            Optional<LoadRecorder> load,
            long requestTimeoutMs,
            long runEndMs) {}

    /**
     * In the order they began; those that began after the run's timeline ended (during recovery) are
     * not the experiment's. Requests are counted from {@code requestTimeoutMs} before each began: a
     * request in flight at that moment may be the one its exit cuts off.
     */
    public static List<Termination> of(Inputs in) {
        List<Observed.PodStatus> pods = in.cluster().observed(Observed.PodStatus.class);
        List<Observed.RotationStatus> rotation =
                in.cluster().rotationWatched() ? in.cluster().observed(Observed.RotationStatus.class) : null;
        List<Observed.PodDisrupted> disruptions = in.cluster().observed(Observed.PodDisrupted.class);
        List<Observed.ContainerEnded> restarts = new ArrayList<>(in.cluster().observed(Observed.ContainerEnded.class));
        List<ScaleIn> scaleIns = scaleIns(in.cluster().observed(Observed.HpaStatus.class));
        List<Termination> all = new ArrayList<>();
        for (Deletion d : deletions(pods, disruptions)) {
            all.add(deletion(d, in, scaleIns, rotation, disruptions));
        }
        // Each fault's signal or OOM kill takes its container's end along (for how it ended).
        all.addAll(signals(pods, in, rotation, restarts));
        all.addAll(kubeletFailures(pods, disruptions, in, rotation));
        all.addAll(restarts(restarts, in, rotation));
        // After the timeline ended, only what a fault of the run began (a rollout still rolling) is the experiment's.
        return all.stream()
                .filter(t -> t.atMs() <= in.runEndMs() || byAFault(t))
                .sorted(Comparator.comparingLong(Termination::atMs))
                .toList();
    }

    private static boolean byAFault(Termination t) {
        return !t.cause().equals("scale-in") && !t.cause().equals("other");
    }

    /** A pod's observations, and the first that showed it terminating (or gone). */
    private record Deletion(List<Observed.PodStatus> seen, Observed.PodStatus began) {}

    /**
     * The deletions that began while the pods were watched, in the order they began. A pod already
     * terminating when first seen began before the run (its start cannot be timed); one whose labels
     * stopped matching the target's selector was not terminated.
     */
    private static List<Deletion> deletions(List<Observed.PodStatus> pods, List<Observed.PodDisrupted> disruptions) {
        Map<String, List<Observed.PodStatus>> byUid = new LinkedHashMap<>();
        pods.forEach(p -> byUid.computeIfAbsent(p.uid(), k -> new ArrayList<>()).add(p));
        List<Deletion> deletions = new ArrayList<>();
        for (List<Observed.PodStatus> seen : byUid.values()) {
            Observed.PodStatus first = seen.get(0);
            if (first.terminating() || first.gone()) {
                continue;
            }
            seen.stream()
                    .filter(p -> p.terminating() || p.gone())
                    .findFirst()
                    .filter(began -> began.terminating() || began.departure() != Observed.Departure.LEFT_SELECTOR)
                    // A pod the kubelet had already failed ended then (see kubeletFailures), not at its deletion.
                    .filter(began -> disruptions.stream()
                            .noneMatch(d -> d.uid().equals(first.uid()) && d.failed() && d.t() <= began.t()))
                    .ifPresent(began -> deletions.add(new Deletion(seen, began)));
        }
        deletions.sort(Comparator.comparingLong(d -> d.began().t()));
        return deletions;
    }

    private static Termination deletion(
            Deletion d,
            Inputs in,
            List<ScaleIn> scaleIns,
            List<Observed.RotationStatus> rotation,
            List<Observed.PodDisrupted> disruptions) {
        Observed.PodStatus first = d.seen().get(0);
        String pod = first.pod();
        String node = d.seen().stream()
                .map(Observed.PodStatus::node)
                .filter(n -> n != null)
                .reduce((a, b) -> b)
                .orElse(null);
        long seenAt = d.began().t();
        Cause cause = faultCause(pod, node, seenAt, in.faults()).orElseGet(() -> scaleIn(seenAt, scaleIns));
        // A pod fault's own moment is the deletion's; the watch sees it a little later.
        long at = cause.podsOwnMoment() && cause.injectedAtMs() <= seenAt ? cause.injectedAtMs() : seenAt;
        // Found deleted at a relist, whenever it began: when it ended is not known.
        String unmeasured = d.seen().stream().anyMatch(p -> p.departure() == Observed.Departure.DELETED_UNWATCHED)
                ? "deleted while the pod watch was away (found at a relist): when is not known"
                : "";
        Long exited = d.seen().stream()
                .filter(p -> p.t() >= at && (p.stopped() || p.gone()))
                .map(p -> p.t() - at)
                .findFirst()
                .orElse(null);
        Long gone = d.seen().stream()
                .filter(Observed.PodStatus::gone)
                .map(p -> p.t() - at)
                .findFirst()
                .orElse(null);
        String how = disruptions.stream()
                .filter(x -> x.uid().equals(first.uid()) && !x.disruption().isEmpty())
                .map(x -> deletedHow(x.disruption()))
                .reduce((a, b) -> b)
                .orElse("deleted");
        return termination(
                new Ended(
                        cause, pod, node, at, false, first.uid(), exited, gone, unmeasured, how, qos(first.uid(), in)),
                in,
                rotation);
    }

    /** A deletion's DisruptionTarget reason, in words. */
    private static String deletedHow(String disruption) {
        return switch (disruption) {
            case "EvictionByEvictionAPI" -> "evicted through the Eviction API";
            case "PreemptionByScheduler" -> "preempted";
            case "DeletionByTaintManager" -> "deleted by the taint manager";
            case "DeletionByPodGC" -> "deleted by the pod garbage collector";
            case "TerminationByKubelet" -> "terminated by the kubelet";
            default -> "deleted (" + disruption + ")";
        };
    }

    /** The pod's QoS class, as its status last said in a disruption or a container's end; empty if never. */
    private static String qos(String uid, Inputs in) {
        return in.cluster().observed().stream()
                .map(o -> switch (o) {
                    case Observed.PodDisrupted d when d.uid().equals(uid) -> d.qos();
                    case Observed.ContainerEnded c when c.uid().equals(uid) -> c.qos();
                    case Observed.PodStatus p when p.uid().equals(uid) -> p.qos();
                    default -> "";
                })
                .filter(q -> q != null && !q.isEmpty())
                .reduce((a, b) -> b)
                .orElse("");
    }

    /**
     * Each target pod the kubelet failed while it was watched (an eviction to reclaim memory or
     * disk, a node shutdown): the pod object stays, failed, and its owner makes a new one. Its cause:
     * a fault that held the pod's node then, else {@code other}.
     */
    private static List<Termination> kubeletFailures(
            List<Observed.PodStatus> pods,
            List<Observed.PodDisrupted> disruptions,
            Inputs in,
            List<Observed.RotationStatus> rotation) {
        List<Termination> failures = new ArrayList<>();
        java.util.Set<String> told = new java.util.HashSet<>();
        for (Observed.PodDisrupted d : disruptions) {
            // A pod the kubelet refused to admit never ran: nothing was terminated.
            if (!d.failed() || !d.ran() || !told.add(d.uid())) {
                continue;
            }
            // It began with the kubelet's DisruptionTarget condition, before the phase says Failed
            // (the kubelet writes that once the containers have stopped).
            long began = disruptions.stream()
                    .filter(x -> x.uid().equals(d.uid())
                            && (x.failed() || x.disruption().equals("TerminationByKubelet")))
                    .mapToLong(Observed.PodDisrupted::t)
                    .min()
                    .orElse(d.t());
            Cause cause = nodeFaultCause(d.node(), began, in.faults()).orElse(new Cause("other", "", null, false));
            // Its processes are stopped by then, or when the watch next says so.
            Long exited = pods.stream()
                    .filter(p -> p.uid().equals(d.uid()) && p.t() >= began && (p.stopped() || p.gone()))
                    .map(p -> p.t() - began)
                    .findFirst()
                    .orElse(d.t() - began);
            failures.add(termination(
                    new Ended(cause, d.pod(), d.node(), began, false, d.uid(), exited, null, "", failedHow(d), d.qos()),
                    in,
                    rotation));
        }
        return failures;
    }

    /** "evicted by the kubelet (memory)", from the status's "The node was low on resource: memory. ...". */
    private static String failedHow(Observed.PodDisrupted d) {
        if (!d.reason().equals("Evicted")) {
            // A node shutdown, say: the kubelet ended it, but not to reclaim a resource.
            return "failed by the kubelet" + (d.reason().isEmpty() ? "" : " (" + d.reason() + ")");
        }
        java.util.regex.Matcher m =
                java.util.regex.Pattern.compile("low on resource: ([a-z-]+)").matcher(d.message());
        return Termination.KUBELET_EVICTION + (m.find() ? " (" + m.group(1) + ")" : "");
    }

    /** A fault that held the pod's node at that moment (the latest such). */
    private static Optional<Cause> nodeFaultCause(String node, long at, List<FaultRecord> faults) {
        return actingOn("Node", node, at, NODE_FAULT_SLACK_MS, faults);
    }

    /**
     * Each container of a target pod that ended and was restarted in its pod, not told already as a
     * fault's signal or OOM kill: an OOM kill of the kernel's own, a liveness failure, a crash. Its
     * cause: a fault on that very pod that was acting then, else {@code other}.
     */
    private static List<Termination> restarts(
            List<Observed.ContainerEnded> restarts, Inputs in, List<Observed.RotationStatus> rotation) {
        List<Termination> ended = new ArrayList<>();
        List<Observed.ProbeKill> probeKills = new ArrayList<>(in.cluster().observed(Observed.ProbeKill.class));
        // Each container's previous end: a kill told before it was that end's, whether seen or not.
        Map<String, Long> previousEnd = new HashMap<>();
        for (Observed.ContainerEnded c : restarts) {
            // The kubelet said it killed the container for a failed probe (its Killing Event).
            Long previous = previousEnd.put(c.pod() + "/" + c.container(), c.t());
            Optional<Observed.ProbeKill> told =
                    takeProbeKill(probeKills, c, previous == null ? Long.MIN_VALUE : previous);
            // A told kill was decided when it was told (or before the end, when told just after it):
            // the container may take its grace period to end, after the fault that failed its probe
            // has let go.
            Optional<Cause> cause =
                    podFaultCause(c.pod(), told.map(k -> Math.min(k.t(), c.t())).orElse(c.t()), in.faults());
            // Only a liveness or startup probe-failure makes the kubelet kill (it measured the kill).
            boolean probeKill = cause.filter(Cause::killsByProbe).isPresent();
            ended.add(termination(
                    new Ended(
                            cause.orElse(new Cause("other", "", null, false)),
                            c.pod(),
                            c.node(),
                            c.t(),
                            true,
                            c.uid(),
                            0L,
                            null,
                            "",
                            c.reason().equals(Termination.OOM_KILLED)
                                    ? Termination.OOM_KILLED
                                    : told.isPresent()
                                            ? "killed by the kubelet: its %s probe failed (exit code %d)"
                                                    .formatted(told.get().probe(), c.exitCode())
                                            : probeKill
                                                    ? "killed by the kubelet: its probe failed (exit code %d)"
                                                            .formatted(c.exitCode())
                                                    : containerHow(c),
                            c.qos()),
                    in,
                    rotation));
        }
        return ended;
    }

    /**
     * The kubelet's probe kill of this container that its end followed: the latest told before it
     * (the kill waits for the container to stop, up to its grace period) and after its previous
     * end; only when there is none, the first told a moment after it (two watches). Taken so that
     * it tells no other end: a restarted container killed again soon has its next kill told within
     * that moment, and it is the next end's.
     */
    private static Optional<Observed.ProbeKill> takeProbeKill(
            List<Observed.ProbeKill> kills, Observed.ContainerEnded c, long previousEnd) {
        java.util.function.Predicate<Observed.ProbeKill> ofThisContainer =
                k -> k.pod().equals(c.pod()) && k.container().equals(c.container()) && k.t() > previousEnd;
        Comparator<Observed.ProbeKill> byTime = Comparator.comparingLong(Observed.ProbeKill::t);
        Optional<Observed.ProbeKill> nearest = kills.stream()
                .filter(ofThisContainer.and(k -> k.t() >= c.t() - PROBE_KILL_BEFORE_MS && k.t() <= c.t()))
                .max(byTime)
                .or(() -> kills.stream()
                        .filter(ofThisContainer.and(k -> k.t() > c.t() && k.t() <= c.t() + PROBE_KILL_AFTER_MS))
                        .min(byTime));
        nearest.ifPresent(kills::remove);
        return nearest;
    }

    /** "OOMKilled", or "exited with code 143 (Error)". */
    private static String containerHow(Observed.ContainerEnded c) {
        if (c.reason().equals(Termination.OOM_KILLED)) {
            return Termination.OOM_KILLED;
        }
        return "exited with code %d%s".formatted(c.exitCode(), c.reason().isEmpty() ? "" : " (" + c.reason() + ")");
    }

    /**
     * A fault whose target was this pod and that was acting at that moment (the latest such): one
     * that holds (a probe-failure, a memory-oom) from its injection to its recovery. A fault that acts
     * at an instant (a pod-kill, a container-signal) is not one: its own end is told from its
     * measurements (see {@link #signals}), and a later crash of the same pod, or of a successor of
     * the same name, is not its doing.
     */
    private static Optional<Cause> podFaultCause(String pod, long at, List<FaultRecord> faults) {
        return actingOn("Pod", pod, at, POD_FAULT_SLACK_MS, faults);
    }

    /**
     * The latest fault that took effect on the target of that kind and name, acting by {@code at},
     * and that had not let go of it more than {@code slack} before. A node fault acts from its
     * scheduled moment (a hog's node evicts while it is still filling, before it says it is full); a
     * pod fault from its injection, and only one that holds until a recovery.
     */
    private static Optional<Cause> actingOn(String kind, String name, long at, long slack, List<FaultRecord> faults) {
        Cause best = null;
        for (FaultRecord f : faults) {
            for (TargetRecord t : f.targets()) {
                Long injected = t.injectedAtMs();
                boolean onNode = "Node".equals(kind);
                if (injected == null
                        || !kind.equals(t.kind())
                        || !t.name().equals(name)
                        || !tookEffect(t.state())
                        || (!onNode && t.state() == TargetRecord.State.NOT_RECOVERABLE)
                        || (onNode ? Math.min(f.atMs(), injected) : injected) > at
                        || (t.recoveredAtMs() != null && at > t.recoveredAtMs() + slack)) {
                    continue;
                }
                if (best == null || injected > best.injectedAtMs()) {
                    best = new Cause(
                            f.action(),
                            f.name(),
                            injected,
                            !onNode,
                            measured(t, "killed by the kubelet after")
                                    .filter(ms -> !ms.isNaN())
                                    .isPresent());
                }
            }
        }
        return Optional.ofNullable(best);
    }

    /**
     * Each signal a fault sent to a target pod's main process (its {@link ShutdownTraffic#SIGNAL}
     * measurement says it was sent), and each OOM kill a fault caused ({@link
     * ShutdownTraffic#OOM_KILLED_AFTER}): the pod stays, its process exits (or does not).
     */
    private static List<Termination> signals(
            List<Observed.PodStatus> pods,
            Inputs in,
            List<Observed.RotationStatus> rotation,
            List<Observed.ContainerEnded> restarts) {
        List<Termination> signals = new ArrayList<>();
        for (FaultRecord f : in.faults()) {
            for (TargetRecord t : f.targets()) {
                Optional<Long> oomKilledAfter = measured(t, ShutdownTraffic.OOM_KILLED_AFTER)
                        .filter(ms -> !ms.isNaN() && tookEffect(t.state()))
                        .map(Double::longValue);
                if (t.injectedAtMs() == null
                        || !"Pod".equals(t.kind())
                        || (measured(t, ShutdownTraffic.SIGNAL).isEmpty() && oomKilledAfter.isEmpty())) {
                    continue;
                }
                // The pod of that name as it was when signalled (a successor may take its name later).
                Optional<Observed.PodStatus> pod = pods.stream()
                        .filter(p -> p.pod().equals(t.name()) && p.t() <= t.injectedAtMs())
                        .reduce((a, b) -> b);
                if (pod.isEmpty()) {
                    // Not one of the target's pods: the hypothesis is about the target.
                    continue;
                }
                // Its container's end, looked for from when the kill came or the process exited.
                long endedAt = t.injectedAtMs()
                        + oomKilledAfter.orElseGet(() -> measured(t, ShutdownTraffic.PROCESS_EXITED_AFTER)
                                .filter(ms -> !ms.isNaN())
                                .map(Double::longValue)
                                .orElse(0L));
                Optional<Observed.ContainerEnded> end =
                        takeEnd(restarts, pod.get().uid(), t.injectedAtMs(), endedAt);
                if (oomKilledAfter.isPresent()) {
                    // The kernel's kill is the end itself: the process was gone at that moment.
                    signals.add(termination(
                            new Ended(
                                    new Cause(f.action(), f.name(), t.injectedAtMs(), true),
                                    t.name(),
                                    pod.get().node(),
                                    t.injectedAtMs() + oomKilledAfter.get(),
                                    true,
                                    pod.get().uid(),
                                    0L,
                                    null,
                                    "",
                                    end.map(Terminations::containerHow).orElse(Termination.OOM_KILLED),
                                    end.map(Observed.ContainerEnded::qos)
                                            .orElse(qos(pod.get().uid(), in))),
                            in,
                            rotation));
                    continue;
                }
                Optional<Double> exited = measured(t, ShutdownTraffic.PROCESS_EXITED_AFTER);
                signals.add(termination(
                        new Ended(
                                new Cause(f.action(), f.name(), t.injectedAtMs(), true),
                                t.name(),
                                pod.get().node(),
                                t.injectedAtMs(),
                                true,
                                pod.get().uid(),
                                exited.filter(e -> !e.isNaN())
                                        .map(Double::longValue)
                                        .orElse(null),
                                null,
                                exited.isEmpty()
                                        ? "its exit was not measured (the helper did not say, or not yet)"
                                        : "",
                                end.map(e -> containerHow(e) + " after " + signalName(t))
                                        .orElse("signalled (" + signalName(t) + ")"),
                                end.map(Observed.ContainerEnded::qos)
                                        .orElse(qos(pod.get().uid(), in))),
                        in,
                        rotation));
            }
        }
        return signals;
    }

    /**
     * The pod's container end nearest {@code endedAt} (when the kill came or the process exited, by
     * the fault's measure) from a second before the injection (two clocks) until 15 s after it
     * ended (the watch sees it later), taken so that it is not told again.
     */
    private static Optional<Observed.ContainerEnded> takeEnd(
            List<Observed.ContainerEnded> restarts, String uid, long injectedAt, long endedAt) {
        Optional<Observed.ContainerEnded> end = restarts.stream()
                .filter(c ->
                        c.uid().equals(uid) && c.t() >= injectedAt - 1_000 && c.t() <= endedAt + CONTAINER_END_SLACK_MS)
                .min(Comparator.comparingLong(c -> Math.abs(c.t() - endedAt)));
        end.ifPresent(restarts::remove);
        return end;
    }

    private static String signalName(TargetRecord t) {
        int number = measured(t, ShutdownTraffic.SIGNAL).map(Double::intValue).orElse(0);
        return java.util.Arrays.stream(dev.aftershock.model.FaultSpec.Signal.values())
                .filter(s -> s.number() == number)
                .map(Enum::name)
                .findFirst()
                .orElse("signal " + number);
    }

    private static Optional<Double> measured(TargetRecord t, String name) {
        return t.measurements().stream()
                .filter(m -> m.name().equals(name))
                .map(Measurement::value)
                .findFirst();
    }

    /** What is known of one termination before its rotation and traffic are read. */
    private record Ended(
            Cause cause,
            String pod,
            String node,
            long at,
            boolean signalled,
            String uid,
            Long exited,
            Long gone,
            String unmeasured,
            String how,
            String qos) {}

    private static Termination termination(Ended e, Inputs in, List<Observed.RotationStatus> rotation) {
        Boolean wasInRotation = null;
        Long outOfRotation = null;
        if (rotation != null) {
            List<Observed.RotationStatus> own =
                    rotation.stream().filter(r -> r.uid().equals(e.uid())).toList();
            // In rotation when it began: listed as ready, and not taken out before the slack ahead of it.
            long from = e.at() - ROTATION_SLACK_MS;
            Optional<Observed.RotationStatus> lastIn =
                    own.stream().filter(r -> r.t() <= e.at() && r.inRotation()).reduce((a, b) -> b);
            wasInRotation = lastIn.isPresent()
                    && own.stream()
                            .noneMatch(r ->
                                    !r.inRotation() && r.t() >= lastIn.get().t() && r.t() <= from);
            if (wasInRotation) {
                outOfRotation = own.stream()
                        .filter(r -> !r.inRotation() && r.t() >= lastIn.get().t())
                        .map(r -> Math.max(0, r.t() - e.at()))
                        .findFirst()
                        .orElse(null);
            }
        }
        Long requests = null;
        Long failed = null;
        if (in.load().isPresent()) {
            // Through the second after it ended (a reset connection shows when its client notices), or the run's end.
            long ended = latest(e.exited(), e.gone(), outOfRotation)
                    .map(x -> e.at() + x)
                    .orElse(in.runEndMs());
            LoadRecorder.Window w =
                    in.load().get().window(Math.max(0, e.at() - in.requestTimeoutMs()) / 1000, ended / 1000 + 2);
            requests = w.requests();
            failed = w.errors();
        }
        return new Termination(
                e.cause().action(),
                e.cause().by(),
                e.pod(),
                e.node(),
                e.at(),
                e.signalled(),
                wasInRotation,
                outOfRotation,
                e.exited(),
                e.gone(),
                requests,
                failed,
                e.unmeasured(),
                e.how(),
                e.qos());
    }

    /** The latest of the ends, when the termination ended (exited or gone) before the run did. */
    private static Optional<Long> latest(Long exited, Long gone, Long outOfRotation) {
        if (exited == null && gone == null) {
            return Optional.empty();
        }
        long latest = 0;
        for (Long l : new Long[] {exited, gone, outOfRotation}) {
            if (l != null) {
                latest = Math.max(latest, l);
            }
        }
        return Optional.of(latest);
    }

    /**
     * @param injectedAtMs when the fault acted, or null
     * @param podsOwnMoment the fault acted on this very pod: its injection is the termination's start
     */
    private record Cause(String action, String by, Long injectedAtMs, boolean podsOwnMoment, boolean killsByProbe) {
        Cause(String action, String by, Long injectedAtMs, boolean podsOwnMoment) {
            this(action, by, injectedAtMs, podsOwnMoment, false);
        }
    }

    /** An HPA lowered its desired replicas at {@code t}: that many pods are deleted moments later. */
    private static final class ScaleIn {
        final long t;
        final String hpa;
        int pods;

        ScaleIn(long t, String hpa, int pods) {
            this.t = t;
            this.hpa = hpa;
            this.pods = pods;
        }
    }

    private static List<ScaleIn> scaleIns(List<Observed.HpaStatus> statuses) {
        Map<String, Integer> desired = new LinkedHashMap<>();
        List<ScaleIn> scaleIns = new ArrayList<>();
        for (Observed.HpaStatus h : statuses) {
            Integer before = desired.put(h.hpa(), h.desired());
            if (before != null && h.desired() < before) {
                scaleIns.add(new ScaleIn(h.t(), "hpa/" + h.hpa(), before - h.desired()));
            }
        }
        return scaleIns;
    }

    /** The latest scale-in shortly before, while it has pods left to account for; else no known cause. */
    private static Cause scaleIn(long at, List<ScaleIn> scaleIns) {
        for (int i = scaleIns.size() - 1; i >= 0; i--) {
            ScaleIn s = scaleIns.get(i);
            if (s.t <= at && at - s.t <= SCALE_IN_SLACK_MS && s.pods > 0) {
                s.pods--;
                return new Cause("scale-in", s.hpa, null, false);
            }
        }
        return new Cause("other", "", null, false);
    }

    /**
     * Of the faults that took effect (a failed or skipped injection terminated nothing): one whose
     * target was this very pod (deleted within moments of the injection), one that evicted pods from
     * the pod's node while it held it, or one that acted on the whole workload while its rollout went
     * on. The latest such injection wins.
     */
    private static Optional<Cause> faultCause(String pod, String node, long at, List<FaultRecord> faults) {
        Cause best = null;
        for (FaultRecord f : faults) {
            for (TargetRecord t : f.targets()) {
                Long injected = t.injectedAtMs();
                // A drain that did not finish evicted some pods all the same: its count says so.
                boolean evicted = measured(t, ShutdownTraffic.PODS_EVICTED)
                        .filter(n -> n > 0)
                        .isPresent();
                if (injected == null || !(tookEffect(t.state()) || evicted) || injected > at + POD_FAULT_SLACK_MS) {
                    continue;
                }
                boolean caused = switch (t.kind()) {
                    case "Pod" -> t.name().equals(pod) && at - injected <= POD_FAULT_SLACK_MS;
                    case "Node" ->
                        t.name().equals(node)
                                && injected <= at
                                && evicted
                                && (t.recoveredAtMs() == null || at <= t.recoveredAtMs());
                    default ->
                        injected <= at
                                && at
                                        <= injected
                                                + measured(t, ShutdownTraffic.ROLLOUT_TOOK)
                                                        .filter(d -> !d.isNaN())
                                                        .map(Double::longValue)
                                                        .orElse(Long.MAX_VALUE / 4)
                                                + ROLLOUT_SLACK_MS;
                };
                if (caused && (best == null || injected > best.injectedAtMs())) {
                    best = new Cause(f.action(), f.name(), injected, "Pod".equals(t.kind()));
                }
            }
        }
        return Optional.ofNullable(best);
    }

    private static boolean tookEffect(TargetRecord.State state) {
        return switch (state) {
            case INJECTED, RECOVERED, NOT_RECOVERABLE, RECOVERY_FAILED -> true;
            case PLANNED, INJECTION_FAILED, SKIPPED -> false;
        };
    }
}
