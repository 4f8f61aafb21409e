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
    private final Map<String, ClusterOps.HelperStarted> helpers = new ConcurrentHashMap<>();
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
        Optional<ClusterSnapshot.PodView> view = context.cluster().pods(pod.namespace()).stream()
                .filter(p -> p.uid().equals(pod.uid()))
                .findFirst();
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
        ClusterOps.RotationWatch rotation = rotation(context);
        boolean wasInRotation = rotation.inRotation(pod.uid());
        int restartsBefore = context.cluster()
                .podStatus(pod.namespace(), pod.uid())
                .map(s -> s.restartsOf(rule.container()))
                .orElse(0);
        Instant asked = Instant.now();
        ClusterOps.HelperStarted started =
                context.cluster().startHelper(job(pod, view.get(), rule, context), asked.plus(START_LIMIT));
        helpers.put(pod.uid(), started);
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
                        ? readinessFollowed(pod, started.at(), wasInRotation, rotation, context)
                        : restartsFollowed(pod, rule.container(), started.at(), restartsBefore, context)),
                started.at());
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
            case ProbeRules.HttpRule http ->
                "GET %s on port %d".formatted(http.probe().path(), http.port());
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
            measured.add(after(
                    ShutdownTraffic.LEFT_ROTATION_AFTER,
                    effective,
                    rotation.awaitLeftRotation(pod.uid(), effective, context.runEnds())));
        }
        measured.add(
                after("not ready after", effective, awaitStatus(context, pod, s -> !s.ready(), context.runEnds())));
        Optional<Instant> recoveredAt = awaitRecovered(pod.uid(), context.runEnds());
        if (recoveredAt.isPresent()) {
            Instant deadline = later(context.runEnds(), recoveredAt.get().plusSeconds(30));
            measured.add(after(
                    "back in rotation after recovery",
                    recoveredAt.get(),
                    wasInRotation
                            ? rotation.awaitInRotation(pod.uid(), recoveredAt.get(), deadline)
                            : awaitStatus(context, pod, ClusterOps.PodStatusNow::ready, deadline)));
        }
        return measured;
    }

    /** Liveness and startup: the kubelet's restart, how many while it failed, Ready again after recovery. */
    private List<Measurement> restartsFollowed(
            Plan.PodTarget pod, String container, Instant effective, int restartsBefore, FaultContext context)
            throws Exception {
        List<Measurement> measured = new ArrayList<>();
        Optional<Instant> restarted =
                awaitStatus(context, pod, s -> s.restartsOf(container) > restartsBefore, context.runEnds());
        if (restarted.isPresent()) {
            // Between the kubelet's decision and the restart lies the container's own graceful shutdown.
            measured.add(after(
                    "killed by the kubelet after",
                    effective,
                    context.cluster().killedByKubelet(pod.namespace(), pod.uid(), container, effective)));
        }
        measured.add(after(ShutdownTraffic.RESTARTED_AFTER, effective, restarted));
        Optional<Instant> recoveredAt = awaitRecovered(pod.uid(), context.runEnds());
        int restarts = context.cluster()
                .podStatus(pod.namespace(), pod.uid())
                .map(s -> s.restartsOf(container) - restartsBefore)
                .orElse(0);
        measured.add(new Measurement("restarts while failing", restarts, "count"));
        if (recoveredAt.isPresent()) {
            Instant deadline = later(context.runEnds(), recoveredAt.get().plusSeconds(60));
            measured.add(after(
                    "ready again after recovery",
                    recoveredAt.get(),
                    awaitStatus(context, pod, ClusterOps.PodStatusNow::ready, deadline)));
        }
        return measured;
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

    /** Polls the namespace's watched state (in memory) until the pod's status satisfies {@code until}. */
    private static Optional<Instant> awaitStatus(
            FaultContext context,
            Plan.PodTarget pod,
            java.util.function.Predicate<ClusterOps.PodStatusNow> until,
            Instant deadline)
            throws Exception {
        while (Instant.now().isBefore(deadline)) {
            Optional<ClusterOps.PodStatusNow> now = context.cluster().podStatus(pod.namespace(), pod.uid());
            if (now.isEmpty()) {
                return Optional.empty();
            }
            if (until.test(now.get())) {
                return Optional.of(Instant.now());
            }
            Thread.sleep(POLL.toMillis());
        }
        return Optional.empty();
    }

    private static Instant later(Instant a, Instant b) {
        return a.isAfter(b) ? a : b;
    }

    private static Measurement after(String what, Instant from, Optional<Instant> when) {
        return new Measurement(
                what,
                when.map(w -> (double) Duration.between(from, w).toMillis()).orElse(Double.NaN),
                "ms");
    }

    @Override
    public Recovery recover(Plan.Target target, FaultContext context) throws Exception {
        Plan.PodTarget pod = (Plan.PodTarget) target;
        ClusterOps.HelperStarted helper = helpers.get(pod.uid());
        if (helper == null) {
            recovered.put(pod.uid(), Instant.now());
            return new Recovery(true, "nothing to recover: no node helper was started");
        }
        Instant asked = Instant.now();
        ClusterOps.HelperEnded ended = context.cluster()
                .endHelper(helper.namespace(), helper.pod(), Instant.now().plusSeconds(30));
        // When the rule went, by the node's clock: the agent learns it up to a relist later, and the
        // probe may pass before then. Kept within what the agent saw.
        Instant now = Instant.now();
        recovered.put(
                pod.uid(),
                ended.at()
                        .map(t -> t.isBefore(asked) ? asked : t.isAfter(now) ? now : t)
                        .orElse(asked));
        if (ended.reverted() || !ended.found()) {
            return new Recovery(
                    true,
                    ended.found()
                            ? "the probe passes again: node helper %s/%s removed its rule (%s) and was deleted"
                                    .formatted(helper.namespace(), helper.pod(), ended.message())
                            : "node helper %s/%s was already gone (its own deadline, or deleted)"
                                    .formatted(helper.namespace(), helper.pod()));
        }
        throw new IllegalStateException("node helper %s/%s did not revert: %s (`aftershock recover` removes its rule)"
                .formatted(helper.namespace(), helper.pod(), ended.message()));
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
