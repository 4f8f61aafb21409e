package dev.aftershock.run;

import dev.aftershock.evaluation.AbortMonitor;
import dev.aftershock.evaluation.ClusterTimeline;
import dev.aftershock.evaluation.HpaEvaluator;
import dev.aftershock.evaluation.KubeStateEvaluator;
import dev.aftershock.evaluation.LoadRecorder;
import dev.aftershock.evaluation.Observed;
import dev.aftershock.evaluation.PromQlEvaluator;
import dev.aftershock.evaluation.ShutdownTraffic;
import dev.aftershock.evaluation.SloEvaluator;
import dev.aftershock.fault.Fault;
import dev.aftershock.fault.FaultContext;
import dev.aftershock.fault.NodeCordonFault;
import dev.aftershock.fault.NodeDrainFault;
import dev.aftershock.fault.PodKillFault;
import dev.aftershock.journal.Environment;
import dev.aftershock.journal.ExperimentInfo;
import dev.aftershock.journal.FaultRecord;
import dev.aftershock.journal.Format;
import dev.aftershock.journal.HypothesisResult;
import dev.aftershock.journal.Journal;
import dev.aftershock.journal.Measurement;
import dev.aftershock.journal.RollbackRecord;
import dev.aftershock.journal.RunInfo;
import dev.aftershock.journal.TargetRecord;
import dev.aftershock.journal.TimelineEvent;
import dev.aftershock.kube.ClusterReader;
import dev.aftershock.kube.ClusterWatch;
import dev.aftershock.kube.Evictions;
import dev.aftershock.kube.KubeClients;
import dev.aftershock.kube.KubeEvents;
import dev.aftershock.kube.Nodes;
import dev.aftershock.kube.PodWatches;
import dev.aftershock.kube.Pods;
import dev.aftershock.load.GatlingLoadDriver;
import dev.aftershock.load.LoadDriver;
import dev.aftershock.load.LoadUrls;
import dev.aftershock.metrics.AgentMetrics;
import dev.aftershock.model.Durations;
import dev.aftershock.model.Experiment;
import dev.aftershock.model.FaultSpec;
import dev.aftershock.model.Hypothesis;
import dev.aftershock.model.LoadProfile;
import dev.aftershock.model.Rollback;
import dev.aftershock.prometheus.PrometheusClient;
import dev.aftershock.report.ReportFiles;
import dev.aftershock.selection.ClusterSnapshot;
import dev.aftershock.selection.Plan;
import dev.aftershock.selection.Planner;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalInt;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs one experiment. {@link #run()} reads as the checklist it is; each step is a small method.
 * Every injection is recorded (ledger file, annotation) before it happens, and recovery runs on
 * every way out: the end of the run, a fault's `for`, an abort, SIGINT or SIGTERM.
 */
public final class RunEngine {
    /** How a run ended, for the exit code and the user. */
    public record Result(int exitCode, Path report) {}

    private final Experiment experiment;
    private final RunOptions options;
    private final ApiClient client;
    private final ApiClient watchClient;
    private final long seed;
    private final String runId;
    private Plan plan;
    private ClusterSnapshot snapshot;
    private RunRecorder recorder;
    private RollbackLedger ledger;
    private FaultContext context;
    private final CountDownLatch stop = new CountDownLatch(1);
    private final CountDownLatch finished = new CountDownLatch(1);
    private final AtomicReference<String> interruptedBy = new AtomicReference<>();
    private ScheduledExecutorService timeline;
    private ExecutorService work;
    private final List<Injected> injected = new ArrayList<>();
    private final List<Fault> implementations = new ArrayList<>();
    private Path reportDir;
    private LoadRecorder load;
    private LoadDriver loadDriver;
    private final AtomicReference<AbortMonitor.Trigger> abortedBy = new AtomicReference<>();
    private final ClusterTimeline cluster = new ClusterTimeline();
    private final AgentMetrics metrics;
    private ClusterWatch clusterWatch;
    /** What `prometheus` hypotheses query; null without --prometheus-url. */
    private final PromQlEvaluator.Query prometheusQuery;

    private record Injected(
            Plan.PlannedFault fault, Plan.Target target, Fault implementation, RunRecorder.Target record) {}

    public RunEngine(Experiment experiment, RunOptions options) {
        this.experiment = experiment;
        this.options = options;
        this.client = KubeClients.forCalls(options.access());
        this.watchClient = KubeClients.forWatches(options.access());
        this.metrics = options.metrics() != null ? options.metrics() : new AgentMetrics();
        this.prometheusQuery = options.prometheusUrl() == null ? null : new PrometheusClient(options.prometheusUrl());
        this.seed = experiment.spec().seed().orElseGet(() -> new SecureRandom().nextLong() & Long.MAX_VALUE);
        this.runId = experiment.name() + "-"
                + DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")
                        .withZone(ZoneOffset.UTC)
                        .format(Instant.now());
    }

    public Result run() throws ApiException {
        readCluster();
        makePlan();
        if (!plan.refusals().isEmpty()) {
            return refuse();
        }
        if (!dealWithLeftovers()) {
            return new Result(3, null);
        }
        printPlan();
        if (options.dryRun()) {
            options.out().println("dry run: nothing was changed");
            return new Result(0, null);
        }
        begin();
        playTimeline();
        awaitEndOrInterrupt();
        try {
            stopLoad();
            recoverAll();
            List<HypothesisResult> verdicts = judge();
            return finish(verdicts);
        } finally {
            // Whatever happened, the signal hook must not wait for a journal that will never come.
            finished.countDown();
        }
    }

    private void readCluster() throws ApiException {
        snapshot = new ClusterReader(client).snapshot(experiment.spec().target());
        if (snapshot.target().isEmpty()) {
            throw new IllegalStateException("the target %s does not exist in namespace %s"
                    .formatted(
                            experiment.spec().target().workload(),
                            experiment.spec().target().namespace()));
        }
    }

    private void makePlan() {
        plan = Planner.plan(experiment, snapshot, seed);
    }

    /** Guards said no: nothing has been touched. Exit 2, as for any invalid input. */
    private Result refuse() {
        options.err().println("refused: the run would break a safety guard; nothing was changed");
        plan.refusals().forEach(r -> options.err().println("  - " + r));
        return new Result(2, null);
    }

    /** Objects an earlier run left changed: recover them first, or refuse (exit 3). */
    private boolean dealWithLeftovers() throws ApiException {
        List<Nodes.Marked> marked = new Nodes(client).marked();
        List<RollbackLedger.Ledger> ledgers = RollbackLedger.unsettled(options.stateDir());
        if (marked.isEmpty() && ledgers.isEmpty()) {
            return true;
        }
        if (!options.recoverFirst()) {
            options.err()
                    .println(
                            "refused: an earlier run left the cluster changed; recover it first (`aftershock recover`) or pass --recover-first");
            marked.forEach(m ->
                    options.err().printf("  - node %s cordoned by run %s (fault %s)%n", m.node(), m.run(), m.fault()));
            ledgers.forEach(l ->
                    options.err().printf("  - run %s has unsettled targets in %s%n", l.runId(), options.stateDir()));
            return false;
        }
        Recovery.Report report = new Recovery(client, options.stateDir()).recoverAll();
        report.lines().forEach(options.out()::println);
        return report.failures() == 0;
    }

    private void printPlan() {
        var out = options.out();
        out.printf(
                "run %s: %s, %s, seed %d%n",
                runId, experiment.name(), Durations.format(experiment.spec().duration()), seed);
        for (Plan.PlannedFault f : plan.faults()) {
            out.printf(
                    "  at %s %s %s on %s%s%n",
                    Durations.format(f.start()),
                    f.spec().name(),
                    f.spec().action().word(),
                    f.targets().isEmpty()
                            ? "nothing"
                            : String.join(
                                    ", ",
                                    f.targets().stream()
                                            .map(RunEngine::describe)
                                            .toList()),
                    f.end().equals(f.start()) ? "" : ", recovered at " + Durations.format(f.end()));
        }
        plan.warnings().forEach(w -> out.println("  warning: " + w));
    }

    private static String describe(Plan.Target t) {
        return switch (t) {
            case Plan.NodeTarget n ->
                "node " + n.name()
                        + (n.toEvict().isEmpty() ? "" : " (" + n.toEvict().size() + " pods to evict)");
            case Plan.PodTarget p -> "pod " + p.namespace() + "/" + p.name();
        };
    }

    private void begin() {
        recorder = new RunRecorder(Instant.now());
        ledger = RollbackLedger.open(options.stateDir(), runId, experiment.name());
        Instant ends = recorder.start().plus(experiment.spec().duration());
        context = new FaultContext(
                runId,
                new Nodes(client),
                new Pods(client),
                new Evictions(client),
                new PodWatches(watchClient),
                ends,
                note -> recorder.event("fault", "note", "", note));
        plan.warnings().forEach(w -> recorder.event("plan", "warning", "", w));
        timeline = Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "aftershock-timeline"));
        work = Executors.newVirtualThreadPerTaskExecutor();
        reportDir = options.outDir() != null ? options.outDir() : Path.of("reports", runId);
        Runtime.getRuntime().addShutdownHook(new Thread(this::onSignal, "aftershock-recover-on-exit"));
        metrics.runStarted();
        watchCluster();
        experiment.spec().load().ifPresent(this::startLoad);
    }

    /** HPAs, the target's pods and status, and nodes, on the run's clock, by watches (see ClusterWatch). */
    private void watchCluster() {
        var target = snapshot.target().orElseThrow();
        clusterWatch = new ClusterWatch(
                watchClient,
                new ClusterWatch.Scope(target.namespace(), target.selector(), target.kind(), target.name()),
                recorder::now,
                observed -> {
                    cluster.observe(observed);
                    if (observed instanceof Observed.HpaStatus hpa) {
                        metrics.hpa(hpa);
                    }
                });
        try {
            if (clusterWatch.start(Duration.ofSeconds(15))) {
                cluster.markListed();
            } else {
                recorder.event(
                        "agent", "warning", "", "the cluster watches had not listed after 15 s; they go on trying");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Load starts with the run's clock; its outcomes land in per-second buckets on that clock. */
    private void startLoad(LoadProfile profile) {
        URI url = LoadUrls.effective(profile.url(), options.loadUrl());
        load = new LoadRecorder(recorder.start().toEpochMilli(), url.toString());
        loadDriver = new GatlingLoadDriver(GatlingLoadDriver.locateDriverJar(), reportDir.resolve("load"));
        try {
            loadDriver.start(profile, url, outcome -> {
                load.add(outcome);
                metrics.request(outcome);
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the load driver", e);
        }
        recorder.event(
                "load",
                "started",
                url.toString(),
                "open model, " + profile.arrivals().size() + " phase(s)");
        AbortMonitor monitor = new AbortMonitor(experiment.spec().abort());
        long settle = profile.timeout().toSeconds() + 1;
        timeline.scheduleAtFixedRate(
                () -> watchLoad(monitor, settle), 1_000 + settle * 1_000, 1_000, TimeUnit.MILLISECONDS);
    }

    /**
     * Once a second: the second that has settled (every request started in it answered or timed
     * out) goes to the abort monitor; every fifth, a progress line.
     */
    private void watchLoad(AbortMonitor monitor, long settleSeconds) {
        long second = recorder.now() / 1000 - settleSeconds - 1;
        if (second < 0 || stop.getCount() == 0) {
            return;
        }
        LoadRecorder.Window w = load.window(second, second + 1);
        monitor.observe(w).ifPresent(trigger -> {
            if (abortedBy.compareAndSet(null, trigger)) {
                interruptedBy.compareAndSet(null, "abort: " + trigger.reason());
                recorder.event("abort", "triggered", "", trigger.reason());
                options.err().println("aftershock: abort: " + trigger.reason() + ": stopping load and faults");
                options.err().flush();
                stop.countDown();
            }
        });
        if (second % 5 == 0) {
            options.out()
                    .printf(
                            Locale.ROOT,
                            "%s  %d rps  p99 %s  errors %.1f %%  %s  faults active: %d%n",
                            Format.offset(second * 1000),
                            w.requests(),
                            Format.millis(w.p99()),
                            w.errorRatePercent(),
                            replicasNow(),
                            activeFaults());
            options.out().flush();
        }
    }

    /** "replicas 2/4" (current/desired) per HPA seen, else the target's ready pods. */
    private String replicasNow() {
        List<Observed.HpaStatus> hpas = cluster.latestHpas();
        if (hpas.isEmpty()) {
            OptionalInt available = cluster.availableReplicas();
            return "available " + (available.isPresent() ? String.valueOf(available.getAsInt()) : "?");
        }
        return String.join(
                "  ",
                hpas.stream()
                        .map(h ->
                                (hpas.size() > 1 ? h.hpa() + " " : "") + "replicas " + h.current() + "/" + h.desired())
                        .toList());
    }

    /** Targets injected and not yet settled. */
    private long activeFaults() {
        return snapshotOfInjected().stream()
                .filter(i -> i.record().state == TargetRecord.State.INJECTED)
                .count();
    }

    private void stopLoad() {
        if (loadDriver == null) {
            return;
        }
        try {
            if (abortedBy.get() != null || interruptedBy.get() != null) {
                loadDriver.close();
            } else {
                loadDriver.awaitEnd(Duration.ofSeconds(5));
                loadDriver.close();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            loadDriver.close();
        }
        recorder.event("load", "stopped", "", load.whole().requests() + " requests");
    }

    /** Schedules each fault at its offset, and its recovery at the end of its `for`. */
    private void playTimeline() {
        for (Plan.PlannedFault f : plan.faults()) {
            Fault implementation = faultFor(f.spec());
            implementations.add(implementation);
            long startMs = f.start().toMillis();
            timeline.schedule(
                    () -> work.submit(
                            () -> inject(f, implementation, recorder.start().plusMillis(startMs))),
                    startMs,
                    TimeUnit.MILLISECONDS);
            if (f.spec().holdFor().isPresent()) {
                timeline.schedule(
                        () -> work.submit(() -> recoverFault(f)), f.end().toMillis(), TimeUnit.MILLISECONDS);
            }
        }
        timeline.schedule(stop::countDown, experiment.spec().duration().toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The one map from action to implementation (a test checks every action has one). */
    static Fault faultFor(FaultSpec spec) {
        return switch (spec) {
            case FaultSpec.NodeCordon c -> new NodeCordonFault(c);
            case FaultSpec.NodeDrain d -> new NodeDrainFault(d);
            case FaultSpec.PodKill k -> new PodKillFault(k);
        };
    }

    private void inject(Plan.PlannedFault f, Fault implementation, Instant scheduled) {
        boolean oneAtATime =
                f.spec() instanceof FaultSpec.PodKill k && k.interval().isPresent();
        List<java.util.concurrent.Future<?>> parallel = new ArrayList<>();
        for (Plan.Target target : f.targets()) {
            if (stop.getCount() == 0) {
                return;
            }
            if (oneAtATime) {
                injectOne(f, implementation, target, scheduled);
                sleep(((FaultSpec.PodKill) f.spec()).interval().get());
                scheduled = Instant.now();
            } else {
                Instant at = scheduled;
                parallel.add(work.submit(() -> injectOne(f, implementation, target, at)));
            }
        }
        for (var p : parallel) {
            try {
                p.get();
            } catch (Exception e) {
                recorder.event("fault", "error", f.spec().name(), String.valueOf(e.getMessage()));
            }
        }
    }

    /** Pods come and go during a run: a pod-kill picks from the pods that exist now, with the run's seed. */
    private List<Plan.Target> targetsNow(Plan.PlannedFault f) {
        if (!(f.spec() instanceof FaultSpec.PodKill k)) {
            return f.targets();
        }
        try {
            return Planner.podsToKill(k, new ClusterReader(client).pods(k.pods().namespace()), seed);
        } catch (ApiException e) {
            recorder.event(
                    "fault",
                    "error",
                    k.name(),
                    "cannot list pods (HTTP %d): using the plan's picks".formatted(e.getCode()));
            return f.targets();
        }
    }

    /** Records the rollback first, then injects; a failed injection that changed something is recovered at once. */
    private void injectOne(Plan.PlannedFault f, Fault implementation, Plan.Target target, Instant scheduled) {
        String action = f.spec().action().word();
        RunRecorder.Target record = recorder.target(f.spec().name(), target.kind(), target.namespace(), target.name());
        remember(f, target, "planned");
        synchronized (injected) {
            injected.add(new Injected(f, target, implementation, record));
        }
        KubeEvents events = new KubeEvents(client);
        try {
            Fault.Injection injection = implementation.inject(target, context);
            long latency = Duration.between(scheduled, injection.effective()).toMillis();
            TargetRecord.State state = !injection.succeeded()
                    ? TargetRecord.State.INJECTION_FAILED
                    : injection.needsRecovery() ? TargetRecord.State.INJECTED : TargetRecord.State.NOT_RECOVERABLE;
            recorder.update(record, r -> {
                r.state = injection.needsRecovery() ? TargetRecord.State.INJECTED : state;
                r.injectedAt = Duration.between(recorder.start(), injection.effective())
                        .toMillis();
                r.message = injection.message();
                r.measurements.add(new Measurement("injection latency", latency, "ms"));
                r.measurements.addAll(injection.measurements());
            });
            remember(f, target, injection.needsRecovery() ? "injected" : "not-recoverable");
            recorder.event(
                    "fault", "injected", target.name(), action + " (" + f.spec().name() + "): " + injection.message());
            if (injection.succeeded()) {
                metrics.faultInjected(action);
            }
            note(events.record(
                    target.kind(),
                    target.namespace(),
                    target.name(),
                    KubeEvents.Reason.AftershockInjected,
                    "%s by run %s (fault %s): %s"
                            .formatted(action, runId, f.spec().name(), injection.message())));
            injection
                    .followUp()
                    .ifPresent(followUp -> work.submit(() -> {
                        try {
                            List<Measurement> measured = followUp.call();
                            recorder.update(record, r -> r.measurements.addAll(measured));
                        } catch (Exception e) {
                            recorder.event("fault", "error", target.name(), "follow-up failed: " + e.getMessage());
                        }
                        return null;
                    }));
            if (!injection.succeeded() && injection.needsRecovery()) {
                recoverOne(f, target, implementation, record, TargetRecord.State.INJECTION_FAILED);
            } else if (injection.needsRecovery()
                    && f.spec().holdFor().isPresent()
                    && recorder.now() >= f.end().toMillis()) {
                // The fault's `for` ended while it was still being injected (a long drain): recover now.
                recoverOne(f, target, implementation, record, TargetRecord.State.RECOVERED);
            }
        } catch (Exception e) {
            recorder.update(record, r -> {
                r.state = TargetRecord.State.INJECTION_FAILED;
                r.message = "injection failed: " + e.getMessage();
            });
            recorder.event("fault", "error", target.name(), "injection failed: " + e.getMessage());
            // It may have half-happened (a cordon without its drain): recovery is idempotent, so try it.
            recoverOne(f, target, implementation, record, TargetRecord.State.INJECTION_FAILED);
        }
    }

    /**
     * Writes a target's state to the local ledger before anything else happens to it. Actions with
     * nothing to put back (a killed pod is replaced, not restored) are not recorded: `recover` would
     * have nothing to do, and the kill stays one API call.
     */
    private void remember(Plan.PlannedFault f, Plan.Target target, String state) {
        if (f.spec().action().recoverable()) {
            ledger.record(new RollbackLedger.Entry(
                    f.spec().name(),
                    f.spec().action().word(),
                    target.kind(),
                    target.namespace(),
                    target.name(),
                    state));
        }
    }

    private void recoverFault(Plan.PlannedFault f) {
        for (Injected i : snapshotOfInjected()) {
            if (i.fault() == f) {
                recoverOne(i.fault(), i.target(), i.implementation(), i.record(), TargetRecord.State.RECOVERED);
            }
        }
    }

    /** Recovers every target that needs it; safe to call from the main thread and the signal hook at once. */
    private void recoverAll() {
        stop.countDown();
        if (timeline != null) {
            timeline.shutdownNow();
        }
        boolean rollback = switch (experiment.spec().rollback()) {
            case ALWAYS -> true;
            case NEVER -> false;
            case ON_FAILURE -> true; // judged below once verdicts exist; without them, recovering is the safe side
        };
        if (!rollback && interruptedBy.get() == null) {
            recorder.event("rollback", "skipped", "", "rollback: never; run `aftershock recover` to revert");
            return;
        }
        for (Injected i : snapshotOfInjected()) {
            recoverOne(i.fault(), i.target(), i.implementation(), i.record(), TargetRecord.State.RECOVERED);
        }
    }

    private List<Injected> snapshotOfInjected() {
        synchronized (injected) {
            return List.copyOf(injected);
        }
    }

    private void recoverOne(
            Plan.PlannedFault f,
            Plan.Target target,
            Fault implementation,
            RunRecorder.Target record,
            TargetRecord.State settledAs) {
        synchronized (record) {
            boolean stillInjecting = record.state == TargetRecord.State.PLANNED && record.injectedAt == null;
            boolean timelineRecovery = settledAs == TargetRecord.State.RECOVERED && stop.getCount() > 0;
            if (settledAs == TargetRecord.State.RECOVERED
                    && (record.state != TargetRecord.State.INJECTED && !stillInjecting
                            || stillInjecting && timelineRecovery)) {
                // Settled already; or a `for` ending mid-injection: the injection recovers when it returns.
                return;
            }
            KubeEvents events = new KubeEvents(client);
            String action = f.spec().action().word();
            try {
                Fault.Recovery recovery = implementation.recover(target, context);
                recorder.update(record, r -> {
                    if (r.state == TargetRecord.State.INJECTED || r.state == TargetRecord.State.PLANNED) {
                        r.state = settledAs;
                    }
                    r.recoveredAt = recorder.now();
                });
                remember(f, target, "recovered");
                metrics.faultRecovered(action);
                recorder.event(
                        "fault",
                        "recovered",
                        target.name(),
                        action + " (" + f.spec().name() + "): " + recovery.message());
                note(events.record(
                        target.kind(),
                        target.namespace(),
                        target.name(),
                        KubeEvents.Reason.AftershockRecovered,
                        "%s by run %s (fault %s) recovered: %s"
                                .formatted(action, runId, f.spec().name(), recovery.message())));
            } catch (Exception e) {
                recorder.update(record, r -> {
                    r.state = TargetRecord.State.RECOVERY_FAILED;
                    r.message = "recovery failed: " + e.getMessage();
                });
                recorder.event("fault", "recovery-failed", target.name(), e.getMessage());
                metrics.faultRecoveryFailed(action);
                note(events.record(
                        target.kind(),
                        target.namespace(),
                        target.name(),
                        KubeEvents.Reason.AftershockRecoveryFailed,
                        "%s by run %s (fault %s) could not be recovered: %s"
                                .formatted(action, runId, f.spec().name(), e.getMessage())));
            }
        }
    }

    private void note(String eventProblem) {
        if (eventProblem != null) {
            recorder.event("agent", "warning", "", eventProblem);
        }
    }

    private void awaitEndOrInterrupt() {
        try {
            stop.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            interruptedBy.compareAndSet(null, "interrupted");
        }
    }

    /** SIGINT or SIGTERM: stop the timeline, recover, write the journal, then let the JVM go. */
    private void onSignal() {
        if (finished.getCount() == 0) {
            return;
        }
        interruptedBy.compareAndSet(null, "signal (SIGINT or SIGTERM)");
        options.err().println("aftershock: interrupted: recovering every fault before exiting");
        options.err().flush();
        stop.countDown();
        try {
            // The main thread recovers and writes the journal; wait for it, but recover here too if it is stuck.
            if (!finished.await(60, TimeUnit.SECONDS)) {
                recoverAll();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Each hypothesis by its evaluator, over what the run measured. */
    private List<HypothesisResult> judge() {
        List<HypothesisResult> verdicts = new ArrayList<>();
        for (Hypothesis h : experiment.spec().hypotheses()) {
            verdicts.add(
                    switch (h) {
                        case Hypothesis.Slo slo when load != null -> SloEvaluator.judge(slo, load);
                        case Hypothesis.Slo slo ->
                            notEvaluated(slo, "slo", "no load: the experiment has no load section");
                        case Hypothesis.Hpa hpa -> HpaEvaluator.judge(hpa, cluster);
                        case Hypothesis.Kube kube -> kubeState(kube);
                        case Hypothesis.Prometheus prometheus ->
                            PromQlEvaluator.judge(prometheus, prometheusQuery, recorder.now());
                    });
        }
        verdicts.forEach(v -> metrics.verdict(v.kind(), v.verdict().name().toLowerCase(Locale.ROOT)));
        return verdicts;
    }

    private HypothesisResult kubeState(Hypothesis.Kube kube) {
        try {
            return KubeStateEvaluator.judge(
                    kube, cluster, experiment.spec().target().workload().toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return notEvaluated(kube, "kube", "interrupted while waiting for the state");
        }
    }

    private static HypothesisResult notEvaluated(Hypothesis h, String kind, String why) {
        return new HypothesisResult(
                h.name(), kind, HypothesisResult.Verdict.NOT_EVALUATED, "as stated in the experiment", why, List.of());
    }

    /** Once the follow-ups have measured each killed pod's shutdown: the traffic it overlapped. */
    private void measureShutdownTraffic() {
        if (load == null) {
            return;
        }
        synchronized (injected) {
            injected.stream()
                    .filter(i -> i.fault().spec().action() == FaultSpec.Action.POD_KILL)
                    .forEach(i -> recorder.update(i.record(), r -> {
                        if (r.injectedAt != null) {
                            r.measurements.addAll(ShutdownTraffic.during(r.injectedAt, r.measurements, load));
                        }
                    }));
        }
    }

    private Result finish(List<HypothesisResult> verdicts) {
        implementations.forEach(RunEngine::closeQuietly);
        if (work != null) {
            work.shutdown();
            try {
                work.awaitTermination(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        measureShutdownTraffic();
        List<FaultRecord> faults = plan.faults().stream()
                .map(f -> new FaultRecord(
                        f.spec().name(),
                        f.spec().action().word(),
                        f.start().toMillis(),
                        f.spec().holdFor().map(Duration::toMillis).orElse(null),
                        recorder.recordsOf(f.spec().name())))
                .toList();
        long unrecovered = faults.stream()
                .flatMap(f -> f.targets().stream())
                .filter(t -> !t.state().settled())
                .count();
        long recovered = faults.stream()
                .flatMap(f -> f.targets().stream())
                .filter(t -> t.state() == TargetRecord.State.RECOVERED)
                .count();
        boolean hypothesesFailed = verdicts.stream().anyMatch(v -> v.verdict() != HypothesisResult.Verdict.PASSED);
        RunInfo.Outcome outcome;
        int exit;
        if (interruptedBy.get() != null) {
            outcome = RunInfo.Outcome.ABORTED;
            exit = 3;
        } else if (unrecovered > 0 && experiment.spec().rollback() != Rollback.NEVER) {
            outcome = RunInfo.Outcome.ERROR;
            exit = 3;
        } else if (hypothesesFailed) {
            outcome = RunInfo.Outcome.FAILED;
            exit = 1;
        } else {
            outcome = RunInfo.Outcome.PASSED;
            exit = 0;
        }
        if (unrecovered == 0) {
            ledger.closeIfSettled();
        }
        Journal journal = new Journal(
                Journal.FORMAT,
                new RunInfo(runId, recorder.start(), Instant.now(), outcome, exit, false, options.agentVersion()),
                new ExperimentInfo(
                        experiment.name(),
                        experiment.metadata().description().orElse(null),
                        experiment.metadata().labels(),
                        options.experimentFile().toString(),
                        seed,
                        experiment.spec().duration().toMillis(),
                        experiment.spec().target().namespace(),
                        experiment.spec().target().workload().toString(),
                        options.experimentSource()),
                new Environment(
                        client.getBasePath(),
                        new ClusterReader(client).serverVersion(),
                        snapshot.nodes().stream()
                                .map(n -> new Environment.NodeInfo(
                                        n.name(),
                                        n.ready(),
                                        n.schedulable(),
                                        n.labels().getOrDefault("pool", "")))
                                .toList()),
                faults,
                load == null ? null : load.series(),
                cluster.series(),
                allEvents(),
                verdicts,
                interruptedBy.get() == null
                        ? null
                        : new dev.aftershock.journal.AbortRecord(
                                recorder.now(),
                                abortedBy.get() == null
                                        ? "interrupted"
                                        : abortedBy.get().condition(),
                                interruptedBy.get()),
                new RollbackRecord(
                        experiment.spec().rollback().word(),
                        experiment.spec().rollback() != Rollback.NEVER || interruptedBy.get() != null,
                        (int) recovered,
                        (int) unrecovered,
                        unrecovered == 0
                                ? "every target settled"
                                : unrecovered + " target(s) not recovered: run `aftershock recover`"));
        Path report = ReportFiles.writeAll(journal, reportDir);
        metrics.runEnded(outcome.name().toLowerCase(Locale.ROOT));
        closeQuietly(clusterWatch);
        options.out().printf("%s: %s (exit %d)%n", runId, outcome.name().toLowerCase(Locale.ROOT), exit);
        faults.forEach(f -> f.targets()
                .forEach(t -> options.out()
                        .printf(
                                "  %s %s %s: %s%s%n",
                                f.name(),
                                t.kind().toLowerCase(Locale.ROOT),
                                t.name(),
                                t.state().name().toLowerCase(Locale.ROOT).replace('_', ' '),
                                t.measurements().isEmpty()
                                        ? ""
                                        : " (" + Measurement.joined(t.measurements(), ", ") + ")")));
        verdicts.forEach(v -> options.out()
                .printf(
                        "  hypothesis %s: %s: %s%n",
                        v.name(), v.verdict().name().toLowerCase(Locale.ROOT).replace('_', ' '), v.measured()));
        options.out().println("report: " + report.toAbsolutePath());
        options.out().flush();
        return new Result(exit, report);
    }

    /** The run's own events and what the watches saw, on the one clock. */
    private List<TimelineEvent> allEvents() {
        List<TimelineEvent> all = new ArrayList<>(recorder.events());
        all.addAll(cluster.events());
        all.sort(java.util.Comparator.comparingLong(TimelineEvent::t));
        return all;
    }

    private static void closeQuietly(Object resource) {
        if (resource instanceof AutoCloseable closeable) {
            try {
                closeable.close();
            } catch (Exception e) {
                // Only watches are closed here; a failure to close one changes nothing in the cluster.
            }
        }
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
