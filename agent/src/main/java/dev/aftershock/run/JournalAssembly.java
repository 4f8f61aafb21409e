package dev.aftershock.run;

import dev.aftershock.evaluation.ClusterTimeline;
import dev.aftershock.evaluation.LoadRecorder;
import dev.aftershock.journal.AbortRecord;
import dev.aftershock.journal.Environment;
import dev.aftershock.journal.ExperimentInfo;
import dev.aftershock.journal.FaultRecord;
import dev.aftershock.journal.HypothesisResult;
import dev.aftershock.journal.Journal;
import dev.aftershock.journal.RollbackRecord;
import dev.aftershock.journal.RunInfo;
import dev.aftershock.journal.TargetRecord;
import dev.aftershock.journal.Termination;
import dev.aftershock.journal.TimelineEvent;
import dev.aftershock.model.Experiment;
import dev.aftershock.selection.ClusterSnapshot;
import dev.aftershock.selection.Plan;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** Puts the run's record together: the journal is the product, and reports render it. */
final class JournalAssembly {
    private JournalAssembly() {}

    static List<FaultRecord> faults(Plan plan, RunRecorder recorder) {
        return plan.faults().stream()
                .map(f -> new FaultRecord(
                        f.spec().name(),
                        f.spec().action().word(),
                        f.start().toMillis(),
                        f.spec().holdFor().map(Duration::toMillis).orElse(null),
                        recorder.recordsOf(f.spec().name())))
                .toList();
    }

    record Inputs(
            String runId,
            Experiment experiment,
            RunOptions options,
            long seed,
            String server,
            String serverVersion,
            ClusterSnapshot snapshot,
            RunRecorder recorder,
            LoadRecorder load,
            /** Each injector pod's part (none for the agent's own child). */
            List<dev.aftershock.journal.LoadSeries.Injector> injectors,
            ClusterTimeline cluster,
            String abortCondition,
            String interruptedBy,
            long interruptedAtMs,
            boolean rollbackPerformed) {}

    static Journal assemble(
            Inputs in,
            List<FaultRecord> faults,
            List<Termination> terminations,
            List<HypothesisResult> verdicts,
            ExitPolicy.Decision decision) {
        long recovered = targets(faults)
                .filter(t -> t.state() == TargetRecord.State.RECOVERED)
                .count();
        long unsettled = targets(faults).filter(t -> !t.state().settled()).count();
        var spec = in.experiment().spec();
        return new Journal(
                Journal.FORMAT,
                new RunInfo(
                        in.runId(),
                        in.recorder().start(),
                        Instant.now(),
                        decision.outcome(),
                        decision.exitCode(),
                        false,
                        in.options().agentVersion()),
                new ExperimentInfo(
                        in.experiment().name(),
                        in.experiment().metadata().description().orElse(null),
                        in.experiment().metadata().labels(),
                        in.options().experimentFile().toString(),
                        in.seed(),
                        spec.duration().toMillis(),
                        spec.target().namespace(),
                        spec.target().workload().toString(),
                        in.options().experimentSource()),
                new Environment(
                        in.server(),
                        in.serverVersion(),
                        in.snapshot().nodes().stream()
                                .map(n -> new Environment.NodeInfo(
                                        n.name(),
                                        n.ready(),
                                        n.schedulable(),
                                        n.labels().getOrDefault("pool", "")))
                                .toList()),
                faults,
                terminations,
                in.load() == null ? null : in.load().series().withInjectors(in.injectors()),
                series(in),
                events(in.recorder(), in.cluster()),
                verdicts,
                in.interruptedBy() == null
                        ? null
                        : new AbortRecord(
                                in.interruptedAtMs() >= 0
                                        ? in.interruptedAtMs()
                                        : in.recorder().now(),
                                in.abortCondition() == null ? "interrupted" : in.abortCondition(),
                                in.interruptedBy()),
                new RollbackRecord(
                        spec.rollback().word(),
                        in.rollbackPerformed(),
                        (int) recovered,
                        (int) unsettled,
                        unsettled == 0
                                ? "every target settled"
                                : unsettled + " target(s) not recovered: run `aftershock recover`"));
    }

    private static java.util.stream.Stream<TargetRecord> targets(List<FaultRecord> faults) {
        return faults.stream().flatMap(f -> f.targets().stream());
    }

    /** The run's own events and what the watches saw, on the one clock. */
    private static List<TimelineEvent> events(RunRecorder recorder, ClusterTimeline cluster) {
        List<TimelineEvent> all = new ArrayList<>(recorder.events());
        all.addAll(cluster.events());
        all.sort(Comparator.comparingLong(TimelineEvent::t));
        return all;
    }

    /** The cluster's series, and who served the load's requests over time (when the target said). */
    private static List<dev.aftershock.journal.Series> series(Inputs in) {
        List<dev.aftershock.journal.Series> all = new ArrayList<>(in.cluster().series());
        if (in.load() != null) {
            all.addAll(in.load().trafficSeries(TRAFFIC_WINDOW_SECONDS));
        }
        return all;
    }

    /** Shares over 5 s: a second holds too few requests at low rates to say much. */
    private static final int TRAFFIC_WINDOW_SECONDS = 5;
}
