package dev.aftershock.run;

import dev.aftershock.fault.ClusterOps;
import dev.aftershock.fault.Fault;
import dev.aftershock.fault.FaultContext;
import dev.aftershock.fault.FaultRegistry;
import dev.aftershock.journal.Measurement;
import dev.aftershock.journal.TargetRecord;
import dev.aftershock.kube.StatusMessages;
import dev.aftershock.metrics.AgentMetrics;
import dev.aftershock.model.FaultSpec;
import dev.aftershock.model.Safety;
import dev.aftershock.selection.ClusterSnapshot;
import dev.aftershock.selection.InjectionGuards;
import dev.aftershock.selection.Plan;
import dev.aftershock.selection.Planner;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Plays the plan's faults on the run's clock: each at its `at`, recovered at the end of its `for`,
 * every target through its {@link TargetState}. Before each injection the target is written to the
 * ledger and the guards are checked against the cluster as it is then; a target whose guard fails
 * is skipped with the reason. Pod faults pick their pods again at that moment, with the run's seed.
 */
final class FaultTimeline implements AutoCloseable {
    private record Injected(Plan.PlannedFault fault, Plan.Target target, RunRecorder.Target record) {}

    private final Plan plan;
    private final long seed;
    private final Safety safety;
    private final Optional<ClusterSnapshot.WorkloadView> workload;
    private final ClusterOps cluster;
    private final FaultContext context;
    private final RunRecorder recorder;
    private final RollbackLedger ledger;
    private final TargetJournal journal;
    private final BooleanSupplier stopping;
    private final Map<Plan.PlannedFault, Fault> implementations = new LinkedHashMap<>();
    private final List<Injected> injected = new ArrayList<>();
    private final List<String> faultsWithoutTargets = new ArrayList<>();
    private final PendingTargets pending = new PendingTargets();
    private final Duration settleLimit;
    private final ExecutorService work = Executors.newVirtualThreadPerTaskExecutor();
    /** What each injection measures after it (a pod's way out, a process's exit); read before the verdict. */
    private final List<java.util.concurrent.Future<?>> followUps =
            java.util.Collections.synchronizedList(new ArrayList<>());

    FaultTimeline(
            Plan plan,
            long seed,
            Safety safety,
            Optional<ClusterSnapshot.WorkloadView> workload,
            ClusterOps cluster,
            FaultContext context,
            RunRecorder recorder,
            RollbackLedger ledger,
            AgentMetrics metrics,
            Duration settleLimit) {
        this.settleLimit = settleLimit;
        this.plan = plan;
        this.seed = seed;
        this.safety = safety;
        this.workload = workload;
        this.cluster = cluster;
        this.context = context;
        this.recorder = recorder;
        this.ledger = ledger;
        this.journal = new TargetJournal(context.runId(), cluster, recorder, ledger, metrics);
        this.stopping = context.stopping();
    }

    /**
     * Makes each fault and starts what it needs (its watches) before the clock matters, and the
     * watches the guards and pod re-picks read at each injection: nodes for node faults, the pods of
     * each namespace a fault takes pods from.
     */
    void prepare() {
        try {
            if (plan.faults().stream().anyMatch(f -> f.spec().action().takesNodeOutOfService())) {
                cluster.nodes();
            }
            if (workload.isPresent()) {
                cluster.pods(workload.get().namespace());
            }
            for (Plan.PlannedFault f : plan.faults()) {
                if (f.spec().podSelection().isPresent()) {
                    cluster.pods(f.spec().podSelection().get().namespace());
                }
            }
        } catch (Exception e) {
            recorder.event("agent", "warning", "", "cannot watch the cluster's state: " + StatusMessages.describe(e));
        }
        for (Plan.PlannedFault f : plan.faults()) {
            Fault fault = FaultRegistry.create(f.spec());
            implementations.put(f, fault);
            try {
                fault.prepare(f.targets(), context);
                targetsNow(f).stream().findFirst().ifPresent(t -> rehearse(f, t));
            } catch (Exception e) {
                recorder.event("fault", "warning", f.spec().name(), "could not prepare: " + StatusMessages.describe(e));
            }
        }
    }

    /**
     * The path an injection takes, once on scratch state before the clock matters: code that runs for
     * the first time is slow (class loading, call sites linked), and the first injection's latency
     * should be that of the rest. The fault's own part is rehearsed by its prepare.
     */
    private void rehearse(Plan.PlannedFault f, Plan.Target target) {
        RunRecorder.Target scratch =
                RunRecorder.unstarted().target(f.spec().name(), target.kind(), target.namespace(), target.name());
        List<ClusterSnapshot.PodView> podsNow = new ArrayList<>();
        guard(f, target, podsNow);
        scratch.lifecycle.beginInjection(false);
        new PendingTargets()
                .claim(
                        f.spec().action(),
                        target,
                        InjectionGuards.podsGoingDown(f.spec().action(), target, podsNow));
    }

    /**
     * Pods are picked this long before their fault's `at` (from the watched state, with the seed), so
     * the kill itself fires at `at`; the guards are still checked at the moment of each injection.
     */
    static final Duration PICK_AHEAD = Duration.ofMillis(100);

    /** Schedules each fault at its offset from the run's start, and its recovery at the end of its `for`. */
    void schedule(ScheduledExecutorService clock) {
        for (Plan.PlannedFault f : plan.faults()) {
            Instant at = recorder.start().plus(f.start());
            clock.schedule(
                    () -> work.submit(() -> inject(f, at)), delayUntil(at.minus(PICK_AHEAD)), TimeUnit.MILLISECONDS);
            if (f.spec().holdFor().isPresent()) {
                Instant end = recorder.start().plus(f.end());
                clock.schedule(() -> work.submit(() -> recover(f)), delayUntil(end), TimeUnit.MILLISECONDS);
            }
        }
    }

    /** On the run's clock, whatever the start-up before scheduling took. */
    private static long delayUntil(Instant when) {
        return Math.max(0, Duration.between(Instant.now(), when).toMillis());
    }

    private void inject(Plan.PlannedFault f, Instant scheduled) {
        List<Plan.Target> targets = targetsNow(f);
        awaitInstant(scheduled);
        if (targets.isEmpty()) {
            String why = "fault %s did not happen: no target at the moment of injection"
                    .formatted(f.spec().name());
            recorder.event("fault", "skipped", f.spec().name(), why);
            if (!f.spec().missingTargetsAllowed()) {
                synchronized (faultsWithoutTargets) {
                    faultsWithoutTargets.add(why);
                }
            }
        }
        Optional<Duration> oneAtATime = f.spec().oneAtATime();
        List<Future<?>> parallel = new ArrayList<>();
        Instant at = scheduled;
        for (Plan.Target target : targets) {
            if (stopping.getAsBoolean()) {
                skip(f, target, "the run was stopping before this target's turn");
                continue;
            }
            if (oneAtATime.isPresent()) {
                injectOne(f, target, at);
                sleep(oneAtATime.get());
                at = Instant.now();
            } else {
                Instant when = at;
                parallel.add(work.submit(() -> injectOne(f, target, when)));
            }
        }
        for (Future<?> p : parallel) {
            try {
                p.get();
            } catch (Exception e) {
                recorder.event("fault", "error", f.spec().name(), String.valueOf(e.getMessage()));
            }
        }
    }

    /** Pods come and go during a run: a pod fault picks from the pods that exist now, with the run's seed. */
    private List<Plan.Target> targetsNow(Plan.PlannedFault f) {
        if (f.spec().podSelection().isEmpty()) {
            return f.targets();
        }
        try {
            return Planner.podsNow(
                    f.spec(), cluster.pods(f.spec().podSelection().get().namespace()), seed);
        } catch (Exception e) {
            recorder.event(
                    "fault",
                    "warning",
                    f.spec().name(),
                    "cannot list pods (%s): using the plan's picks".formatted(StatusMessages.describe(e)));
            return f.targets();
        }
    }

    private void injectOne(Plan.PlannedFault f, Plan.Target target, Instant scheduled) {
        RunRecorder.Target record = recorder.target(f.spec().name(), target.kind(), target.namespace(), target.name());
        synchronized (injected) {
            injected.add(new Injected(f, target, record));
        }
        // Check and claim together: targets injected at the same moment count against each other's guards.
        synchronized (pending) {
            List<ClusterSnapshot.PodView> podsNow = new ArrayList<>();
            Optional<String> refusal = guard(f, target, podsNow);
            if (refusal.isPresent()) {
                skip(f, target, refusal.get());
                return;
            }
            if (!record.lifecycle.beginInjection(stopping.getAsBoolean())) {
                skip(f, target, "the run was stopping");
                return;
            }
            pending.claim(
                    f.spec().action(),
                    target,
                    InjectionGuards.podsGoingDown(f.spec().action(), target, podsNow));
        }
        Fault.Injection injection;
        try {
            // The rollback is on disk before the cluster is touched: a crash from here on is recoverable.
            journal.remember(f, target, record);
        } catch (RuntimeException e) {
            settleInjection(
                    f,
                    target,
                    record,
                    Fault.Injection.failed(false, "not injected: " + e.getMessage(), List.of()),
                    scheduled);
            return;
        }
        try {
            injection = implementations.get(f).inject(target, context);
        } catch (Exception e) {
            injection = Fault.Injection.failed(true, "injection failed: " + StatusMessages.describe(e), List.of());
        }
        settleInjection(f, target, record, injection, scheduled);
    }

    private void settleInjection(
            Plan.PlannedFault f,
            Plan.Target target,
            RunRecorder.Target record,
            Fault.Injection injection,
            Instant scheduled) {
        // To the tenth of a millisecond: a kill's API call takes a few milliseconds.
        double latency =
                Math.round(Duration.between(scheduled, injection.effective()).toNanos() / 1e5) / 10.0;
        boolean recoverNow = record.lifecycle.endInjection(injection.succeeded(), injection.needsRecovery());
        recorder.update(record, r -> {
            r.injectedAt =
                    Duration.between(recorder.start(), injection.effective()).toMillis();
            r.message = injection.message();
            if (injection.succeeded()) {
                r.measurements.add(new Measurement("injection latency", latency, "ms"));
            }
            r.measurements.addAll(injection.measurements());
        });
        journal.injected(f, target, record, injection);
        injection
                .followUp()
                .ifPresent(followUp -> followUps.add(work.submit(() -> {
                    try {
                        List<Measurement> measured = followUp.call();
                        recorder.update(record, r -> r.measurements.addAll(measured));
                    } catch (Exception e) {
                        recorder.event("fault", "error", target.name(), "follow-up failed: " + e.getMessage());
                    }
                    return null;
                })));
        boolean forAlreadyEnded =
                f.spec().holdFor().isPresent() && recorder.now() >= f.end().toMillis();
        if (recoverNow || (injection.needsRecovery() && forAlreadyEnded)) {
            // A failed injection that changed something, a recovery asked for while injecting, or a
            // `for` that ended during a long drain: put it back now.
            recoverOne(f, target, record);
        }
    }

    /**
     * The guards against the cluster as it is now; the decision itself is pure (InjectionGuards).
     * {@code podsNow} receives the workload's pods it read, for the claim that follows.
     */
    private Optional<String> guard(Plan.PlannedFault f, Plan.Target target, List<ClusterSnapshot.PodView> podsNow) {
        try {
            FaultSpec.Action action = f.spec().action();
            List<ClusterSnapshot.NodeView> nodesNow = action.takesNodeOutOfService() ? cluster.nodes() : List.of();
            if (workload.isPresent()) {
                podsNow.addAll(cluster.pods(workload.get().namespace()));
            }
            return InjectionGuards.check(
                    action, target, nodesNow, workload, podsNow, safety, pending.nodes(), pending.podUids());
        } catch (Exception e) {
            return Optional.of("the guards could not read the cluster (%s): not injecting blind"
                    .formatted(StatusMessages.describe(e)));
        }
    }

    private void skip(Plan.PlannedFault f, Plan.Target target, String why) {
        RunRecorder.Target record = recorder.target(f.spec().name(), target.kind(), target.namespace(), target.name());
        synchronized (injected) {
            if (injected.stream().noneMatch(i -> i.record() == record)) {
                injected.add(new Injected(f, target, record));
            }
        }
        if (!record.lifecycle.skip()) {
            return;
        }
        journal.skipped(f, target, record, why);
    }

    /** Recovers the targets of one fault (its `for` ended). */
    void recover(Plan.PlannedFault f) {
        for (Injected i : injected()) {
            if (i.fault() == f) {
                recoverOne(i.fault(), i.target(), i.record());
            }
        }
    }

    /** Recovers every target that needs it, in parallel; safe from several threads at once. */
    void recoverAll() {
        List<Future<?>> all = new ArrayList<>();
        try (ExecutorService recoveries = Executors.newVirtualThreadPerTaskExecutor()) {
            for (Injected i : injected()) {
                all.add(recoveries.submit(() -> recoverOne(i.fault(), i.target(), i.record())));
            }
        }
        // Another thread may be injecting (a drain: it stops evicting and recovers when it returns) or
        // recovering (the signal hook): wait for it, so what the run reports is what became of each target.
        awaitSettled();
    }

    private void awaitSettled() {
        for (Injected i : injected()) {
            try {
                i.record().lifecycle.awaitSettled(settleLimit);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private void recoverOne(Plan.PlannedFault f, Plan.Target target, RunRecorder.Target record) {
        if (!record.lifecycle.beginRecovery()) {
            return;
        }
        try {
            Fault.Recovery recovery = implementations.get(f).recover(target, context);
            pending.release(target);
            record.lifecycle.endRecovery(true);
            journal.recovered(f, target, record, recovery.message());
        } catch (Exception e) {
            record.lifecycle.endRecovery(false);
            journal.recoveryFailed(f, target, record, StatusMessages.describe(e));
        }
    }

    private List<Injected> injected() {
        synchronized (injected) {
            return List.copyOf(injected);
        }
    }

    /** Targets injected and not yet settled. */
    long active() {
        return injected().stream()
                .filter(i -> i.record().lifecycle.phase() == TargetState.Phase.INJECTED)
                .count();
    }

    long recoveryFailures() {
        return injected().stream()
                .filter(i -> i.record().lifecycle.phase() == TargetState.Phase.RECOVERY_FAILED)
                .count();
    }

    long unrecovered() {
        return injected().stream()
                .filter(i -> i.record().lifecycle.unrecovered())
                .count();
    }

    /** Targets the experiment meant to hit and did not: the run did not happen as written. */
    List<String> didNotHappen() {
        List<String> missed;
        synchronized (faultsWithoutTargets) {
            missed = new ArrayList<>(faultsWithoutTargets);
        }
        for (Injected i : injected()) {
            TargetRecord.State state = i.record().lifecycle.journalState();
            // PLANNED at the end: its injection never completed (it failed before it could say so).
            boolean missedIt = state == TargetRecord.State.INJECTION_FAILED
                    || state == TargetRecord.State.SKIPPED
                    || state == TargetRecord.State.PLANNED;
            if (missedIt && !i.fault().spec().missingTargetsAllowed()) {
                missed.add("fault %s did not happen on %s %s: %s"
                        .formatted(
                                i.fault().spec().name(),
                                i.target().kind().toLowerCase(java.util.Locale.ROOT),
                                i.target().name(),
                                i.record().message));
            }
        }
        return missed;
    }

    /**
     * Waits (up to {@code limit} in all) for the follow-ups to have measured: the run is over, so each
     * ends soon (they wait no longer than the run). The faults stay as they are: a rollback may follow.
     */
    void awaitFollowUps(Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        List<java.util.concurrent.Future<?>> pending;
        synchronized (followUps) {
            pending = List.copyOf(followUps);
        }
        for (java.util.concurrent.Future<?> f : pending) {
            try {
                f.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                // A follow-up that failed said so in an event; one still waiting leaves its numbers out.
            }
        }
    }

    /** Removes the ledger once every target is settled. */
    void closeLedger() {
        ledger.closeIfSettled();
    }

    /** Once the follow-ups have measured: waits for them (bounded), then stops the fault's watches. */
    @Override
    public void close() {
        work.shutdown();
        awaitSettled();
        try {
            work.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (Fault f : implementations.values()) {
            if (f instanceof AutoCloseable closeable) {
                try {
                    closeable.close();
                } catch (Exception e) {
                    // Only watches are closed here; closing one changes nothing in the cluster.
                }
            }
        }
    }

    List<RunRecorder.Target> records() {
        return injected().stream().map(Injected::record).toList();
    }

    /**
     * Until {@code at}, to the tenth of a millisecond: a sleeping thread wakes up to a millisecond
     * or two late, which would show in the injection latency; the last millisecond is spun.
     */
    private static void awaitInstant(Instant at) {
        sleep(Duration.between(Instant.now(), at).minusMillis(1));
        while (Instant.now().isBefore(at) && !Thread.currentThread().isInterrupted()) {
            Thread.onSpinWait();
        }
    }

    private static void sleep(Duration d) {
        if (d.isNegative() || d.isZero()) {
            return;
        }
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
