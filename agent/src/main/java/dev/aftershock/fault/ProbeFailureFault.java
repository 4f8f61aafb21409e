package dev.aftershock.fault;

import dev.aftershock.evaluation.ShutdownTraffic;
import dev.aftershock.journal.Measurement;
import dev.aftershock.model.FaultSpec;
import dev.aftershock.selection.ClusterSnapshot;
import dev.aftershock.selection.Plan;
import dev.aftershock.selection.ProbeRules;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Makes the kubelet's probe of one container fail, through a node helper pod that answers the
 * probe's packets with a reset inside the pod's network namespace; other traffic to the pod flows,
 * and nothing in the pod or its owner changes. Recovery tells the helper to remove its rule. What
 * follows is measured as an SRE reads it: for readiness, when the pod left its Services' rotation
 * and when it came back after recovery; for liveness (and startup), when the kubelet restarted the
 * container, how often, and when it was Ready again after recovery.
 */
public final class ProbeFailureFault implements Fault, AutoCloseable {
    /** Past the fault's end, the helper's own deadline: the kubelet stops it then, and it reverts. */
    static final Duration HELPER_MARGIN = Duration.ofSeconds(15);

    private static final Duration START_LIMIT = Duration.ofSeconds(60);
    private static final Duration POLL = Duration.ofMillis(50);

    private final FaultSpec.ProbeFailure spec;
    /** A helper this fault started, and the job it was given (for an unblock, should it not revert). */
    private record Started(ClusterOps.HelperStarted helper, HelperJob job) {}

    /** The kubelet acts after failureThreshold failures periodSeconds apart; this long more, it has not. */
    private static final Duration EVIDENCE_SLACK = Duration.ofSeconds(5);

    private final Map<String, Started> helpers = new ConcurrentHashMap<>();
    private final Map<String, Instant> recovered = new ConcurrentHashMap<>();
    private ClusterOps.RotationWatch rotation;

    public ProbeFailureFault(FaultSpec.ProbeFailure spec) {
        this.spec = spec;
    }

    @Override
    public void prepare(List<Plan.Target> planned, FaultContext context) throws Exception {
        rotation(context);
    }

    @Override
    public Injection inject(Plan.Target target, FaultContext context) throws Exception {
        Plan.PodTarget pod = (Plan.PodTarget) target;
        Optional<ClusterSnapshot.PodView> view = PodWaits.view(context, pod);
        if (view.isEmpty()) {
            return Injection.failed(false, "the pod was gone", List.of());
        }
        ProbeRules.Rule rule;
        switch (ProbeRules.decide(spec, view.get())) {
            case ProbeRules.Refused refused -> {
                return Injection.failed(
                        false, "cannot fail its " + spec.probe().word() + " probe: " + refused.reason(), List.of());
            }
            case ProbeRules.Match match -> rule = match.rule();
        }
        if (spec.probe() == FaultSpec.Probe.READINESS
                && !context.cluster()
                        .podStatus(pod.namespace(), pod.uid())
                        .map(ClusterOps.PodStatusNow::ready)
                        .orElse(false)) {
            // Its readiness probe could not be seen failing: the pod is not Ready to begin with.
            return Injection.failed(
                    false, "the pod was not Ready, so its readiness probe failing would show nothing", List.of());
        }
        ClusterOps.RotationWatch rotation = rotation(context);
        boolean wasInRotation = rotation.inRotation(pod.uid());
        int restartsBefore = context.cluster()
                .podStatus(pod.namespace(), pod.uid())
                .map(s -> s.restartsOf(rule.container()))
                .orElse(0);
        Instant asked = Instant.now();
        HelperJob job = job(pod, view.get(), rule, context);
        ClusterOps.HelperStarted started = context.cluster().startHelper(job, asked.plus(START_LIMIT));
        helpers.put(pod.uid(), new Started(started, job));
        double startToEffective = Duration.between(asked, started.at()).toMillis();
        List<Measurement> measured = new ArrayList<>(List.of(
                new Measurement("helper start to effective", startToEffective, "ms"),
                new Measurement("probe period", rule.probe().periodSeconds() * 1000.0, "ms")));
        String helper = started.namespace() + "/" + started.pod();
        if (!started.effective()) {
            // The helper pod exists whatever became of it: recovery deletes it.
            return Injection.failed(
                            true,
                            "the node helper %s did not fail the probe: %s".formatted(helper, started.message()),
                            measured)
                    .effectiveAt(started.at());
        }
        // The rule in place is not yet the fault: the kubelet must act on the failing probe. A run
        // whose probe never failed did not happen as written (a startup probe, say, runs only while
        // its container starts).
        Instant effective = started.at();
        long needsSeconds = (long) rule.probe().periodSeconds() * rule.probe().failureThreshold();
        Instant evidenceBy = effective.plusSeconds(needsSeconds).plus(EVIDENCE_SLACK);
        Optional<Instant> evidence = spec.probe() == FaultSpec.Probe.READINESS
                ? PodWaits.awaitStatus(context, pod, s -> !s.ready(), evidenceBy)
                : awaitKill(context, pod, rule.container(), effective, evidenceBy);
        measured.add(PodWaits.after(
                spec.probe() == FaultSpec.Probe.READINESS ? "not ready after" : "killed by the kubelet after",
                effective,
                evidence));
        if (evidence.isEmpty()) {
            return Injection.failed(
                            true,
                            ("the rule was in place through node helper %s, yet the kubelet did not act on the failing"
                                            + " %s probe within %d s (%s)")
                                    .formatted(
                                            helper,
                                            spec.probe().word(),
                                            Duration.between(effective, evidenceBy)
                                                    .toSeconds(),
                                            spec.probe() == FaultSpec.Probe.READINESS
                                                    ? "the pod stayed Ready"
                                                    : "no Killing event; a startup probe runs only while its container starts"),
                            measured)
                    .effectiveAt(effective);
        }
        return new Injection(
                true,
                true,
                "the %s probe of container %s fails (%s, every %d s, %d failure%s to act) through node helper %s"
                        .formatted(
                                spec.probe().word(),
                                rule.container(),
                                describe(rule),
                                rule.probe().periodSeconds(),
                                rule.probe().failureThreshold(),
                                rule.probe().failureThreshold() == 1 ? "" : "s",
                                helper),
                measured,
                Optional.of(() -> spec.probe() == FaultSpec.Probe.READINESS
                        ? readinessFollowed(pod, effective, wasInRotation, rotation, context)
                        : restartsFollowed(pod, rule.container(), effective, restartsBefore, context)),
                effective);
    }

    private HelperJob job(
            Plan.PodTarget pod, ClusterSnapshot.PodView view, ProbeRules.Rule rule, FaultContext context) {
        Map<String, String> env = new HashMap<>();
        switch (rule) {
            case ProbeRules.HttpRule http -> {
                env.put("AFTERSHOCK_RULE", "http " + http.port());
                env.put("AFTERSHOCK_REQUEST_LINE", http.requestLine());
            }
            case ProbeRules.TcpRule tcp -> env.put("AFTERSHOCK_RULE", "tcp " + tcp.port());
        }
        Instant faultEnds = spec.holdFor()
                .map(d -> Instant.now().plus(d))
                .filter(end -> end.isBefore(context.runEnds()))
                .orElse(context.runEnds());
        return new HelperJob(
                context.runId(),
                spec.name(),
                spec.action().word(),
                HelperJob.Mode.INJECT,
                pod.namespace(),
                pod.name(),
                pod.uid(),
                view.nodeName(),
                env,
                Duration.between(Instant.now(), faultEnds).plus(HELPER_MARGIN));
    }

    private static String describe(ProbeRules.Rule rule) {
        return switch (rule) {
            // The path without its query: a token could ride in one, and this goes to the journal.
            case ProbeRules.HttpRule http ->
                "GET %s on port %d".formatted(http.probe().path().replaceFirst("[?].*$", "?…"), http.port());
            case ProbeRules.TcpRule tcp -> "a connect to port " + tcp.port();
        };
    }

    /** Readiness: out of rotation, then back after recovery; each NaN when it did not happen in the run. */
    private List<Measurement> readinessFollowed(
            Plan.PodTarget pod,
            Instant effective,
            boolean wasInRotation,
            ClusterOps.RotationWatch rotation,
            FaultContext context)
            throws Exception {
        List<Measurement> measured = new ArrayList<>();
        if (wasInRotation) {
            measured.add(PodWaits.after(
                    ShutdownTraffic.LEFT_ROTATION_AFTER,
                    effective,
                    rotation.awaitLeftRotation(pod.uid(), effective, context.runEnds())));
        }
        Optional<Instant> recoveredAt = awaitRecovered(pod.uid(), context.runEnds());
        if (recoveredAt.isPresent()) {
            Instant deadline = later(context.runEnds(), recoveredAt.get().plusSeconds(30));
            measured.add(PodWaits.after(
                    "back in rotation after recovery",
                    recoveredAt.get(),
                    wasInRotation
                            ? rotation.awaitInRotation(pod.uid(), recoveredAt.get(), deadline)
                            : PodWaits.awaitStatus(context, pod, ClusterOps.PodStatusNow::ready, deadline)));
        }
        return measured;
    }

    /** Liveness and startup: the kubelet's restart, how many while it failed, Ready again after recovery. */
    private List<Measurement> restartsFollowed(
            Plan.PodTarget pod, String container, Instant effective, int restartsBefore, FaultContext context)
            throws Exception {
        List<Measurement> measured = new ArrayList<>();
        Optional<Instant> restarted =
                PodWaits.awaitStatus(context, pod, s -> s.restartsOf(container) > restartsBefore, context.runEnds());
        measured.add(PodWaits.after(ShutdownTraffic.RESTARTED_AFTER, effective, restarted));
        Optional<Instant> recoveredAt = awaitRecovered(pod.uid(), context.runEnds());
        int restarts = context.cluster()
                .podStatus(pod.namespace(), pod.uid())
                .map(s -> s.restartsOf(container) - restartsBefore)
                .orElse(0);
        measured.add(new Measurement("restarts while failing", restarts, "count"));
        if (recoveredAt.isPresent()) {
            Instant deadline = later(context.runEnds(), recoveredAt.get().plusSeconds(60));
            measured.add(PodWaits.after(
                    "ready again after recovery",
                    recoveredAt.get(),
                    PodWaits.awaitStatus(context, pod, ClusterOps.PodStatusNow::ready, deadline)));
        }
        return measured;
    }

    /** The kubelet's Killing event for the container, looked for every half second until the deadline. */
    private static Optional<Instant> awaitKill(
            FaultContext context, Plan.PodTarget pod, String container, Instant since, Instant deadline)
            throws Exception {
        while (true) {
            Optional<Instant> killed = context.cluster().killedByKubelet(pod.namespace(), pod.uid(), container, since);
            if (killed.isPresent() || Instant.now().isAfter(deadline)) {
                return killed;
            }
            Thread.sleep(500);
        }
    }

    private Optional<Instant> awaitRecovered(String uid, Instant deadline) throws InterruptedException {
        while (Instant.now().isBefore(deadline)) {
            Instant at = recovered.get(uid);
            if (at != null) {
                return Optional.of(at);
            }
            Thread.sleep(POLL.toMillis());
        }
        return Optional.ofNullable(recovered.get(uid));
    }

    private static Instant later(Instant a, Instant b) {
        return a.isAfter(b) ? a : b;
    }

    /**
     * Asks each helper of this target to remove its rule and deletes it; a helper that is gone or
     * did not say it reverted gets an unblock helper after it, which removes whatever rule of this
     * fault is left in the pod. Helpers are found by their labels too: one whose start the run did
     * not see through (an API error after its creation) is ended as well.
     */
    @Override
    public Recovery recover(Plan.Target target, FaultContext context) throws Exception {
        Plan.PodTarget pod = (Plan.PodTarget) target;
        List<Started> mine = new ArrayList<>();
        Optional.ofNullable(helpers.get(pod.uid())).ifPresent(mine::add);
        for (ClusterOps.HelperPod h : context.cluster().helperPods()) {
            boolean ours = h.job().run().equals(context.runId())
                    && h.job().fault().equals(spec.name())
                    && h.job().targetUid().equals(pod.uid())
                    && h.job().mode() == HelperJob.Mode.INJECT;
            if (ours && mine.stream().noneMatch(m -> m.helper().pod().equals(h.name()))) {
                mine.add(new Started(
                        new ClusterOps.HelperStarted(h.namespace(), h.name(), false, "", Instant.now()), h.job()));
            }
        }
        if (mine.isEmpty()) {
            recovered.put(pod.uid(), Instant.now());
            return new Recovery(true, "nothing to recover: no node helper was started");
        }
        List<String> done = new ArrayList<>();
        Optional<HelperJob> unblock = Optional.empty();
        Instant asked = Instant.now();
        Optional<Instant> revertedAt = Optional.empty();
        for (Started s : mine) {
            ClusterOps.HelperEnded ended = context.cluster()
                    .endHelper(
                            s.helper().namespace(),
                            s.helper().pod(),
                            Instant.now().plusSeconds(30));
            String name = s.helper().namespace() + "/" + s.helper().pod();
            if (ended.reverted()) {
                done.add("node helper %s removed its rule (%s) and was deleted".formatted(name, ended.message()));
                revertedAt = ended.at().or(() -> Optional.of(Instant.now()));
            } else {
                done.add("node helper %s did not say it reverted (%s)".formatted(name, ended.message()));
                unblock = Optional.of(s.job().unblocking());
            }
        }
        if (unblock.isPresent()) {
            ClusterOps.HelperStarted check =
                    context.cluster().startHelper(unblock.get(), Instant.now().plusSeconds(60));
            context.cluster()
                    .endHelper(check.namespace(), check.pod(), Instant.now().plusSeconds(30));
            if (!check.effective()) {
                throw new IllegalStateException(String.join("; ", done)
                        + "; the unblock helper failed too: " + check.message()
                        + " (`aftershock recover` tries again)");
            }
            done.add("an unblock helper: " + check.message());
            revertedAt = Optional.of(check.at());
        }
        // When the rule went, by the node's clock: the agent learns it up to a relist later, and the
        // probe may pass before then. Kept within what the agent saw.
        Instant now = Instant.now();
        recovered.put(
                pod.uid(), revertedAt.map(t -> PodWaits.within(t, asked, now)).orElse(asked));
        return new Recovery(true, "the probe passes again: " + String.join("; ", done));
    }

    private synchronized ClusterOps.RotationWatch rotation(FaultContext context) throws Exception {
        if (rotation == null) {
            rotation = context.cluster().watchRotation(spec.pods().namespace());
        }
        return rotation;
    }

    @Override
    public synchronized void close() {
        if (rotation != null) {
            rotation.close();
        }
    }
}
