package dev.aftershock.run;

import dev.aftershock.evaluation.AbortMonitor;
import dev.aftershock.evaluation.ArrivalPlan;
import dev.aftershock.evaluation.Evaluators;
import dev.aftershock.evaluation.Evidence;
import dev.aftershock.evaluation.PromQlEvaluator;
import dev.aftershock.evaluation.ShutdownTraffic;
import dev.aftershock.evaluation.Terminations;
import dev.aftershock.fault.FaultContext;
import dev.aftershock.fault.FaultRegistry;
import dev.aftershock.fault.HelperJob;
import dev.aftershock.journal.FaultRecord;
import dev.aftershock.journal.HypothesisResult;
import dev.aftershock.journal.Journal;
import dev.aftershock.journal.Redaction;
import dev.aftershock.journal.Termination;
import dev.aftershock.kube.ClusterReader;
import dev.aftershock.kube.InjectorPods;
import dev.aftershock.kube.KubeClients;
import dev.aftershock.kube.KubeClusterOps;
import dev.aftershock.kube.RunLease;
import dev.aftershock.kube.SharedInformers;
import dev.aftershock.kube.StatusMessages;
import dev.aftershock.load.InjectorFleet;
import dev.aftershock.load.LoadHeaders;
import dev.aftershock.load.LoadUrls;
import dev.aftershock.metrics.AgentMetrics;
import dev.aftershock.model.Experiment;
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
import java.net.URI;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs one experiment. {@link #run()} reads as the checklist it is; each step is a small method or
 * a class of its own (FaultTimeline, LoadSession, ClusterObservation, ExitPolicy, JournalAssembly,
 * SignalGuard, Console). Every injection is recorded before it happens, and recovery runs on every
 * way out: the end of the run, a fault's `for`, an abort, SIGINT or SIGTERM (those recover first).
 */
public final class RunEngine {
    /** How a run ended, for the exit code and the user. */
    public record Result(int exitCode, Path report) {}

    private static final SecureRandom RANDOM = new SecureRandom();

    private final Experiment experiment;
    private final RunOptions options;
    private final ApiClient client;
    private final SharedInformers informers;
    private final KubeClusterOps cluster;
    private final Console console;
    private final AgentMetrics metrics;
    private final long seed;
    private final String runId;
    private final CountDownLatch stop = new CountDownLatch(1);
    private final AtomicReference<String> interruptedBy = new AtomicReference<>();
    /** When the run was interrupted, on its clock (-1: not; 0: while it was starting): the journal's abort time. */
    private final java.util.concurrent.atomic.AtomicLong interruptedAtMs =
            new java.util.concurrent.atomic.AtomicLong(-1);

    private final AtomicReference<AbortMonitor.Trigger> abortedBy = new AtomicReference<>();
    private final ClusterObservation observation = new ClusterObservation();
    private ClusterSnapshot snapshot;
    private Plan plan;
    private RunRecorder recorder;
    private FaultTimeline faults;
    private LoadSession load;
    private ScheduledExecutorService clock;
    private Path reportDir;
    private boolean rollbackPerformed;
    /** Every pod termination of the run, as judged: the journal records the same list. */
    private List<Termination> terminations = List.of();
    /** When the run's timeline ended (its duration, an abort or a signal), before recovery and verdicts. */
    private long timelineEndedMs;

    private Map<String, String> loadHeaders = Map.of();
    private URI loadUrl;
    private Redaction redaction = Redaction.none();

    public RunEngine(Experiment experiment, RunOptions options) {
        this(experiment, options, newRunId(experiment.name()));
    }

    /** A run with a given id: a schedule names its runs after their scheduled times. */
    public RunEngine(Experiment experiment, RunOptions options, String runId) {
        this.experiment = experiment;
        this.options = options;
        this.client = KubeClients.forCalls(options.access());
        this.informers = new SharedInformers(KubeClients.forWatches(options.access()));
        this.cluster = new KubeClusterOps(client, informers, options.locking().recoveryDeadline(), options.helpers());
        this.console = new Console(options.out(), options.err(), options.listener());
        this.metrics = options.metrics() != null ? options.metrics() : new AgentMetrics();
        this.seed = experiment.spec().seed().orElseGet(() -> RANDOM.nextLong() & Long.MAX_VALUE);
        this.runId = runId;
    }

    public String runId() {
        return runId;
    }

    /**
     * Stops the run as an abort does (the agent's API asked): the run's own thread stops the
     * timeline and recovers every fault at once, before the load, then the run ends as interrupted
     * by {@code why}. Returns at once: the caller's thread does none of the recovery.
     */
    public void stop(String why) {
        if (interrupt(why)) {
            console.warn(why + ": recovering every fault, then stopping the load");
        }
        stop.countDown();
    }

    /** Unique even for two runs of one experiment started in the same second. */
    static String newRunId(String experiment) {
        byte[] suffix = new byte[2];
        RANDOM.nextBytes(suffix);
        return experiment + "-"
                + DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")
                        .withZone(ZoneOffset.UTC)
                        .format(Instant.now())
                + "-" + HexFormat.of().formatHex(suffix);
    }

    public Result run() throws ApiException, InterruptedException {
        List<String> unreachable = options.reach().refusals(experiment);
        if (!unreachable.isEmpty()) {
            console.refused(
                    "refused: the experiment needs more than the agent's RBAC allows; nothing was read or changed",
                    unreachable);
            return new Result(2, null);
        }
        readCluster();
        makePlan();
        if (!plan.refusals().isEmpty()) {
            console.refused("refused: the run would break a safety guard; nothing was changed", plan.refusals());
            return new Result(2, null);
        }
        List<String> helperRefusals = helpersAllowed();
        if (!helperRefusals.isEmpty()) {
            console.refused(
                    "refused: a fault needs a node helper the cluster would not run; nothing was changed",
                    helperRefusals);
            return new Result(2, null);
        }
        Optional<String> unreadable = resolveLoadHeaders();
        if (unreadable.isPresent()) {
            console.refused(
                    "refused: the load cannot be sent as written; nothing was changed", List.of(unreadable.get()));
            return new Result(2, null);
        }
        Optional<String> injectorsRefused = injectorsAllowed();
        if (injectorsRefused.isPresent()) {
            console.refused(
                    "refused: the load's injector pods cannot run; nothing was changed",
                    List.of(injectorsRefused.get()));
            return new Result(2, null);
        }
        if (options.dryRun()) {
            console.plan(runId, experiment, plan);
            console.line("dry run: nothing was changed");
            return new Result(0, null);
        }
        RunLease lease = LockAndLeftovers.takeLock(client, options.locking(), runId, console);
        if (lease == null) {
            return new Result(3, null);
        }
        SignalGuard signals = null;
        try {
            if (!LockAndLeftovers.noneLeft(cluster, options, console)) {
                return new Result(3, null);
            }
            console.plan(runId, experiment, plan);
            signals = new SignalGuard(this::onSignal);
            begin();
            play();
            awaitEndOrInterrupt();
            timelineEndedMs = recorder.now();
            recoverFirstIfStopping();
            stopLoad();
            List<HypothesisResult> verdicts = judgeAndRollBack();
            return finish(verdicts, lease);
        } finally {
            if (clock != null) {
                clock.shutdownNow();
            }
            if (load != null) {
                // A run that failed between readying its load and stopping it: injector pods go too.
                try {
                    load.release().ifPresent(left -> console.warn("the load left behind: " + left));
                } catch (RuntimeException e) {
                    console.warn("the load could not be stopped: " + e.getMessage() + "; run `aftershock recover`");
                }
            }
            informers.close();
            // Before the signal hook lets the JVM go: the next run need not wait for the lease to expire.
            lease.close();
            if (signals != null) {
                signals.finished();
            }
        }
    }

    private void readCluster() throws ApiException {
        java.util.Set<String> touched = new java.util.HashSet<>();
        touched.add(experiment.spec().target().namespace());
        experiment.spec().faults().forEach(f -> f.podSelection().ifPresent(p -> touched.add(p.namespace())));
        snapshot = new ClusterReader(client).snapshot(experiment, options.reach(), touched, seed);
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

    /**
     * For each fault that acts through a node helper, a server-side dry run of the helper it would
     * start for its first target: helpers off, a namespace whose Pod Security refuses privileged
     * pods, or RBAC that does not allow them is said now, not at the fault's `at`.
     */
    private List<String> helpersAllowed() {
        List<String> refused = new ArrayList<>();
        for (Plan.PlannedFault f : plan.faults()) {
            Optional<HelperJob.Mode> mode =
                    FaultRegistry.entry(f.spec().action()).helper();
            if (mode.isEmpty() || f.targets().isEmpty()) {
                continue;
            }
            Plan.Target first = f.targets().get(0);
            // A node fault's helper goes to the node, in the target's namespace (or the helper namespace).
            boolean onNode = first instanceof Plan.NodeTarget;
            String node = onNode
                    ? first.name()
                    : snapshot.pods().stream()
                            .filter(p -> p.namespace().equals(first.namespace())
                                    && p.name().equals(first.name()))
                            .map(ClusterSnapshot.PodView::nodeName)
                            .findFirst()
                            .orElse("");
            HelperJob sample = new HelperJob(
                    runId,
                    f.spec().name(),
                    f.spec().action().word(),
                    mode.get(),
                    onNode ? experiment.spec().target().namespace() : first.namespace(),
                    first.name(),
                    first instanceof Plan.PodTarget pod ? pod.uid() : "",
                    node,
                    Map.of(),
                    Duration.ofMinutes(1));
            try {
                cluster.helperRefusal(sample)
                        .ifPresent(why -> refused.add("fault %s needs a node helper: %s"
                                .formatted(f.spec().name(), why)));
            } catch (Exception e) {
                refused.add("fault %s needs a node helper, and the dry run of one failed: %s"
                        .formatted(f.spec().name(), StatusMessages.describe(e)));
            }
        }
        return refused;
    }

    /** Header values from the environment or files, before anything is touched; and what to redact. */
    private Optional<String> resolveLoadHeaders() {
        if (experiment.spec().load().isEmpty()) {
            return Optional.empty();
        }
        LoadProfile profile = experiment.spec().load().get();
        try {
            Path dir = options.experimentFile().toAbsolutePath().getParent();
            loadHeaders = LoadHeaders.resolve(profile, System.getenv(), dir, options.loadSources());
        } catch (IllegalArgumentException e) {
            return Optional.of(e.getMessage());
        }
        loadUrl = LoadUrls.effective(profile.url(), options.loadUrl());
        redaction = Redaction.of(profile, loadHeaders, loadUrl);
        return Optional.empty();
    }

    /**
     * The watches list and the faults are made and prepared; then the run's clock starts, so the
     * first fault fires at its `at` however long that took (with many pods, over a second).
     */
    private void begin() {
        recorder = RunRecorder.unstarted();
        reportDir = options.outDir() != null
                ? options.outDir()
                : options.reportsRoot().resolve(runId);
        FaultContext context = new FaultContext(
                runId,
                cluster,
                () -> recorder.start().plus(experiment.spec().duration()),
                note -> recorder.event("fault", "note", "", note),
                () -> stop.getCount() == 0);
        faults = new FaultTimeline(
                plan,
                seed,
                experiment.spec().safety(),
                snapshot.target(),
                cluster,
                context,
                recorder,
                RollbackLedger.open(options.stateDir(), runId, experiment.name()),
                metrics,
                // An in-flight injection or another thread's recovery is waited for this long at most.
                options.locking().recoveryDeadline().plusSeconds(30));
        plan.warnings().forEach(w -> recorder.event("plan", "warning", "", w));
        clock = Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "aftershock-timeline"));
        metrics.runStarted();
        observation.start(
                informers,
                snapshot.target().orElseThrow(),
                options.reach(),
                experiment.spec().hypotheses().stream().anyMatch(Hypothesis::readsVpas),
                experiment.spec().hypotheses().stream().anyMatch(Hypothesis::readsNodeAutoscaler),
                recorder,
                metrics);
        faults.prepare();
        Optional<java.time.Instant> loadStartsAt = prepareInjectors();
        if (loadStartsAt.isPresent()) {
            try {
                recorder.startClockAt(loadStartsAt.get());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                recorder.startClock();
            }
        } else {
            recorder.startClock();
        }
    }

    /** The load's injector pods, when it has more than one injector: made with the spec the plan checked. */
    private InjectorPods injectorPods() {
        if (injectorPods == null) {
            injectorPods = new InjectorPods(
                    client,
                    KubeClients.forWatches(options.access()),
                    options.injectors(),
                    experiment.spec().target().namespace());
        }
        return injectorPods;
    }

    private InjectorPods injectorPods;

    /** Injector pods keep off the nodes the run's faults target, unless the experiment lets them. */
    private java.util.Set<String> injectorsAvoid(LoadProfile profile) {
        if (profile.injectors().onFaultNodes()) {
            return java.util.Set.of();
        }
        java.util.Set<String> nodes = new java.util.TreeSet<>();
        plan.faults()
                .forEach(f -> f.targets().stream()
                        .filter(t -> t instanceof Plan.NodeTarget)
                        .forEach(t -> nodes.add(t.name())));
        return nodes;
    }

    /** A server-side dry run of an injector pod, before anything is touched. */
    private Optional<String> injectorsAllowed() {
        Optional<LoadProfile> pods =
                experiment.spec().load().filter(l -> l.injectors().inPods());
        if (pods.isEmpty()) {
            return Optional.empty();
        }
        LoadProfile profile = pods.get();
        return injectorPods()
                .refusal(InjectorFleet.spec(
                        runId,
                        profile,
                        profile.url(),
                        loadHeaders,
                        profile.injectors().nodeSelector(),
                        injectorsAvoid(profile),
                        System.currentTimeMillis(),
                        false));
    }

    /**
     * With injector pods, the load is readied before the run's clock (the pods made, booted and
     * waiting): the clock starts when they start. Their URL is the experiment's (they run in the
     * cluster): {@code --load-url} is for the agent's own child.
     */
    private Optional<java.time.Instant> prepareInjectors() {
        Optional<LoadProfile> pods =
                experiment.spec().load().filter(l -> l.injectors().inPods());
        if (pods.isEmpty()) {
            return Optional.empty();
        }
        LoadProfile profile = pods.get();
        InjectorFleet fleet = new InjectorFleet(
                injectorPods(),
                runId,
                profile.injectors().nodeSelector(),
                injectorsAvoid(profile),
                redaction,
                reportDir.resolve("load"),
                InjectorFleet.recordsRequests(),
                System::currentTimeMillis);
        recorder.event(
                "load",
                "injectors",
                injectorPods().namespace(),
                "%d injector pods made; the run starts when they do (within %d s)"
                        .formatted(profile.injectors().count(), InjectorFleet.STARTUP.toSeconds()));
        try {
            LoadSession.Prepared prepared =
                    LoadSession.prepare(profile, profile.url(), loadHeaders, fleet, recorder, metrics);
            load = prepared.session();
            return Optional.of(prepared.startsAt());
        } catch (RuntimeException e) {
            throw new StartFailure("the load could not start: " + e.getMessage(), e);
        }
    }

    /**
     * The load starts and the timeline is scheduled, unless a signal came while the run was starting:
     * its hook stopped the clock, and the run goes straight to recovery and its journal.
     */
    private void play() {
        if (stop.getCount() == 0) {
            return;
        }
        try {
            clock.schedule(
                    stop::countDown,
                    experiment.spec().duration().toMillis(),
                    java.util.concurrent.TimeUnit.MILLISECONDS);
            startLoad();
            faults.schedule(clock);
        } catch (java.util.concurrent.RejectedExecutionException stoppedMeanwhile) {
            // The signal's hook shut the clock down between the check and here: nothing fires.
        }
    }

    /** A run that cannot start its load stops before the timeline: nothing was injected. */
    public static final class StartFailure extends RuntimeException {
        StartFailure(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private void startLoad() {
        experiment.spec().load().ifPresent(profile -> {
            try {
                if (load != null) {
                    // Readied before the clock (injector pods): it starts now, with the run.
                    load.begin(profile.url(), loadHeaders, redaction);
                } else {
                    load = LoadSession.start(
                            profile, loadUrl, loadHeaders, redaction, reportDir.resolve("load"), recorder, metrics);
                }
            } catch (RuntimeException e) {
                throw new StartFailure("the load could not start: " + e.getMessage(), e);
            }
            load.watch(
                    clock,
                    experiment.spec().abort(),
                    this::abort,
                    w -> console.progress(w.from(), w, observation.replicasNow(), faults.active()));
        });
    }

    /** The first interruption wins, and is timed then (not when the journal is written, after the rollback). */
    private boolean interrupt(String why) {
        if (interruptedBy.compareAndSet(null, why)) {
            RunRecorder r = recorder;
            interruptedAtMs.set(r == null ? -1 : r.now());
            return true;
        }
        return false;
    }

    private void abort(AbortMonitor.Trigger trigger) {
        if (abortedBy.compareAndSet(null, trigger)) {
            interrupt("abort: " + trigger.reason());
            recorder.event("abort", "triggered", "", trigger.reason());
            console.warn("abort: " + trigger.reason() + ": recovering every fault, then stopping the load");
            stop.countDown();
        }
    }

    private void awaitEndOrInterrupt() {
        try {
            stop.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            interrupt("interrupted");
        }
    }

    /** An abort or a signal: faults are put back before anything else, the load included. */
    private void recoverFirstIfStopping() {
        if (interruptedBy.get() != null) {
            clock.shutdownNow();
            rollbackPerformed = true;
            faults.recoverAll();
        }
    }

    /** SIGINT or SIGTERM, on the hook's thread: stop the timeline and recover now. */
    private void onSignal() {
        interrupt("signal (SIGINT or SIGTERM)");
        console.warn("interrupted: recovering every fault before exiting");
        stop.countDown();
        if (faults != null) {
            if (clock != null) {
                clock.shutdownNow();
            }
            faults.recoverAll();
        }
    }

    private void stopLoad() {
        if (load != null) {
            load.stop(interruptedBy.get() != null);
        }
    }

    /**
     * The rollback policy decides the order: `always` recovers, then judges (recovery as early as
     * possible); `on-failure` judges with the faults in place and recovers only if the run did not
     * pass; `never` leaves them for `aftershock recover`. Aborted runs have recovered already.
     */
    private List<HypothesisResult> judgeAndRollBack() {
        clock.shutdownNow();
        Rollback policy = experiment.spec().rollback();
        if (policy == Rollback.ALWAYS) {
            rollBack();
        }
        List<HypothesisResult> verdicts = judge();
        if (policy == Rollback.ON_FAILURE && !ExitPolicy.decide(facts(verdicts)).passed()) {
            rollBack();
        } else if (policy != Rollback.ALWAYS && interruptedBy.get() == null) {
            recorder.event(
                    "rollback",
                    "skipped",
                    "",
                    "rollback: %s; the faults stay in place: run `aftershock recover` to revert"
                            .formatted(policy.word()));
        }
        return verdicts;
    }

    private void rollBack() {
        rollbackPerformed = true;
        faults.recoverAll();
    }

    /**
     * Each hypothesis by its evaluator, over what the run gathered: the faults' follow-ups have
     * measured first, since the pod terminations read them.
     */
    private List<HypothesisResult> judge() {
        faults.awaitFollowUps(Duration.ofSeconds(10));
        terminations = Terminations.of(new Terminations.Inputs(
                observation.timeline(),
                JournalAssembly.faults(plan, recorder),
                Optional.ofNullable(load).map(LoadSession::recorder),
                experiment.spec().load().map(l -> l.timeout().toMillis()).orElse(0L),
                timelineEndedMs));
        Evidence evidence = new Evidence(
                Optional.ofNullable(load).map(LoadSession::recorder),
                Optional.ofNullable(load).flatMap(l -> l.didNotHappen(interruptedBy.get() != null)),
                observation.timeline(),
                Optional.ofNullable(options.prometheusUrl())
                        .map(url -> (PromQlEvaluator.Query) new PrometheusClient(url)),
                recorder.now(),
                experiment.spec().target().workload().toString(),
                terminations,
                experiment.spec().load().map(l -> new ArrivalPlan(l.arrivals())));
        List<HypothesisResult> verdicts = new ArrayList<>();
        for (Hypothesis h : experiment.spec().hypotheses()) {
            verdicts.add(Evaluators.judge(h, evidence));
        }
        verdicts.forEach(v -> metrics.verdict(v.kind(), v.verdict().name().toLowerCase(Locale.ROOT)));
        return verdicts;
    }

    private ExitPolicy.Facts facts(List<HypothesisResult> verdicts) {
        List<String> didNotHappen = new ArrayList<>(faults.didNotHappen());
        if (load != null) {
            load.didNotHappen(interruptedBy.get() != null).ifPresent(didNotHappen::add);
        }
        return new ExitPolicy.Facts(
                interruptedBy.get(),
                faults.unrecovered(),
                experiment.spec().rollback() == Rollback.ALWAYS || rollbackPerformed,
                faults.recoveryFailures(),
                didNotHappen,
                verdicts);
    }

    /** Once the follow-ups have measured each killed pod's shutdown: the traffic it overlapped. */
    private void measureShutdownTraffic() {
        if (load == null) {
            return;
        }
        for (RunRecorder.Target record : faults.records()) {
            recorder.update(record, r -> {
                if (r.injectedAt != null) {
                    r.measurements.addAll(ShutdownTraffic.during(r.injectedAt, r.measurements, load.recorder()));
                }
            });
        }
    }

    private Result finish(List<HypothesisResult> verdicts, RunLease lease) {
        faults.close();
        measureShutdownTraffic();
        lease.lost().ifPresent(lost -> recorder.event("agent", "warning", "", lost));
        ExitPolicy.Decision decision = ExitPolicy.decide(facts(verdicts));
        decision.reasons()
                .forEach(
                        r -> recorder.event("verdict", decision.outcome().name().toLowerCase(Locale.ROOT), "", r));
        List<FaultRecord> faultRecords = JournalAssembly.faults(plan, recorder);
        if (faults.unrecovered() == 0) {
            faults.closeLedger();
        }
        Journal journal = redaction.apply(JournalAssembly.assemble(
                new JournalAssembly.Inputs(
                        runId,
                        experiment,
                        options,
                        seed,
                        client.getBasePath(),
                        new ClusterReader(client).serverVersion(),
                        snapshot,
                        recorder,
                        load == null ? null : load.recorder(),
                        load == null ? List.of() : load.injectors(),
                        observation.timeline(),
                        abortedBy.get() == null ? null : abortedBy.get().condition(),
                        interruptedBy.get(),
                        interruptedAtMs.get(),
                        rollbackPerformed),
                faultRecords,
                terminations,
                verdicts,
                decision));
        Path report = ReportFiles.writeAll(journal, reportDir);
        metrics.runEnded(decision.outcome().name().toLowerCase(Locale.ROOT));
        observation.close();
        console.outcome(runId, decision, faultRecords, verdicts, report);
        return new Result(decision.exitCode(), report);
    }
}
