package dev.aftershock.report;

import dev.aftershock.journal.FaultRecord;
import dev.aftershock.journal.Format;
import dev.aftershock.journal.HypothesisResult;
import dev.aftershock.journal.Journal;
import dev.aftershock.journal.LoadSeries;
import dev.aftershock.journal.Measurement;
import dev.aftershock.journal.RunInfo;
import dev.aftershock.journal.TargetRecord;
import dev.aftershock.journal.TimelineEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** What the HTML template shows, derived from a journal: text ready to print, charts ready to draw. */
public record ReportView(
        String title,
        String experiment,
        String description,
        String outcome,
        String outcomeClass,
        int exitCode,
        String headline,
        List<String> problems,
        List<Fact> facts,
        List<ChartView> charts,
        String chartDataJson,
        List<HypothesisRow> hypotheses,
        List<FaultRow> faults,
        List<InjectorRow> injectors,
        List<TerminationRow> terminations,
        String terminationsNote,
        List<EventRow> events,
        int eventsOmitted,
        List<Fact> environment,
        String source) {

    public record Fact(String label, String value) {}

    /** One load injector pod: what it sent of its share, its rates, its clock, and how it ended. */
    public record InjectorRow(
            String injector,
            String pod,
            String node,
            String requests,
            String meanRps,
            String peakRps,
            String clock,
            String state,
            String stateClass) {}

    /** One chart: its canvas id, title, and a text alternative for readers who cannot see it. */
    public record ChartView(
            String id, String title, String summary, List<List<String>> table, List<String> tableHeader) {}

    public record HypothesisRow(
            String name,
            String kind,
            String verdict,
            String verdictClass,
            String expected,
            String measured,
            String evidence) {}

    public record FaultRow(
            String fault,
            String action,
            String target,
            String state,
            String stateClass,
            String window,
            String details) {}

    /** One pod termination: each time as text ("1.2 s", "not measured", "still listed at the end"). */
    public record TerminationRow(
            String at,
            String cause,
            String how,
            String qos,
            String pod,
            String node,
            String outOfRotation,
            String exited,
            String gone,
            String requests,
            String failed,
            String failedClass) {}

    public record EventRow(String at, String source, String subject, String message) {}

    static final int MAX_EVENTS = 400;

    public static ReportView of(Journal j) {
        RunInfo run = j.run();
        List<String> problems = new ArrayList<>();
        for (HypothesisResult h : j.hypotheses()) {
            if (h.verdict() != HypothesisResult.Verdict.PASSED) {
                problems.add("Hypothesis %s %s: measured %s, expected %s"
                        .formatted(
                                h.name(),
                                h.verdict() == HypothesisResult.Verdict.FAILED ? "failed" : "was not evaluated",
                                h.measured(),
                                h.expected()));
            }
        }
        if (j.abort() != null) {
            problems.add("Aborted at %s: %s (%s)"
                    .formatted(
                            Format.offset(j.abort().t()),
                            j.abort().reason(),
                            j.abort().condition()));
        }
        for (FaultRecord f : j.faults()) {
            for (TargetRecord t : f.targets()) {
                if (t.state() == TargetRecord.State.RECOVERY_FAILED || t.state() == TargetRecord.State.INJECTED) {
                    problems.add("Fault %s left %s %s %s: %s"
                            .formatted(
                                    f.name(),
                                    t.kind().toLowerCase(Locale.ROOT),
                                    t.name(),
                                    t.state() == TargetRecord.State.INJECTED ? "not recovered" : "unrecovered",
                                    t.message() == null ? "no detail" : t.message()));
                }
            }
        }
        long passed = j.hypotheses().stream()
                .filter(h -> h.verdict() == HypothesisResult.Verdict.PASSED)
                .count();
        String headline =
                "%d of %d hypotheses passed".formatted(passed, j.hypotheses().size())
                        + (j.abort() != null ? "; the run was aborted" : "")
                        + "; " + faultSummary(j);
        Charts charts = Charts.of(j);
        return new ReportView(
                "Aftershock: " + j.experiment().name() + " "
                        + run.outcome().name().toLowerCase(Locale.ROOT),
                j.experiment().name(),
                j.experiment().description() == null ? "" : j.experiment().description(),
                run.outcome().name(),
                run.outcome().name().toLowerCase(Locale.ROOT),
                run.exitCode(),
                headline,
                problems,
                facts(j),
                charts.views(),
                charts.json(),
                j.hypotheses().stream().map(ReportView::hypothesisRow).toList(),
                faultRows(j),
                injectorRows(j),
                terminationRows(j),
                terminationsNote(j),
                j.events().stream().limit(MAX_EVENTS).map(ReportView::eventRow).toList(),
                Math.max(0, j.events().size() - MAX_EVENTS),
                environment(j),
                j.experiment().source() == null ? "" : j.experiment().source());
    }

    private static String faultSummary(Journal j) {
        long targets = j.faults().stream().mapToLong(f -> f.targets().size()).sum();
        long unsettled = j.faults().stream()
                .flatMap(f -> f.targets().stream())
                .filter(t -> !t.state().settled())
                .count();
        return "%d fault%s on %d target%s, %s"
                .formatted(
                        j.faults().size(),
                        j.faults().size() == 1 ? "" : "s",
                        targets,
                        targets == 1 ? "" : "s",
                        unsettled == 0 ? "all recovered" : unsettled + " not recovered");
    }

    private static List<Fact> facts(Journal j) {
        RunInfo run = j.run();
        List<Fact> facts = new ArrayList<>();
        facts.add(new Fact("Run", run.id()));
        facts.add(new Fact("Started", run.startedAt().toString()));
        facts.add(new Fact("Length", Format.millis(run.lengthMs())));
        facts.add(new Fact(
                "Target",
                j.experiment().targetNamespace() + "/" + j.experiment().targetWorkload()));
        facts.add(new Fact("Seed", Long.toString(j.experiment().seed())));
        facts.add(new Fact("Exit code", Integer.toString(run.exitCode())));
        if (run.dryRun()) {
            facts.add(new Fact("Mode", "dry run (nothing was changed)"));
        }
        LoadSeries load = j.load();
        if (load != null) {
            LoadSeries.Totals t = load.totals();
            facts.add(new Fact(
                    "Requests", "%,d (%s errors)".formatted(t.requests(), Format.percent(t.errorRatePercent()))));
            facts.add(new Fact(
                    "Latency p50 / p95 / p99",
                    Format.millis(t.p50()) + " / " + Format.millis(t.p95()) + " / " + Format.millis(t.p99())));
        }
        facts.add(
                new Fact("Rollback", j.rollback().policy() + ": " + j.rollback().message()));
        return facts;
    }

    private static List<InjectorRow> injectorRows(Journal j) {
        if (j.load() == null) {
            return List.of();
        }
        return j.load().injectors().stream()
                .map(i -> new InjectorRow(
                        Integer.toString(i.index()),
                        i.pod(),
                        i.node(),
                        "%,d of %,.0f planned (%s)"
                                .formatted(
                                        i.requests(),
                                        i.plannedRequests(),
                                        Format.percent(
                                                i.plannedRequests() == 0
                                                        ? 100
                                                        : 100 * i.requests() / i.plannedRequests())),
                        String.format(Locale.ROOT, "%.1f", i.meanRps()),
                        Long.toString(i.peakRps()),
                        i.skewBoundMs() == null
                                ? "no heartbeat"
                                : "skew + log delay at most %d ms%s"
                                        .formatted(
                                                i.skewBoundMs(),
                                                i.shiftedSeconds() == 0
                                                        ? ""
                                                        : "; frames moved " + i.shiftedSeconds() + " s"),
                        i.failure() == null ? "played its share" : i.failure(),
                        i.failure() == null ? "passed" : "failed"))
                .toList();
    }

    private static HypothesisRow hypothesisRow(HypothesisResult h) {
        String evidence = Measurement.joined(h.evidence(), "; ");
        return new HypothesisRow(
                h.name(),
                h.kind(),
                h.verdict().name().replace('_', ' ').toLowerCase(Locale.ROOT),
                h.verdict() == HypothesisResult.Verdict.PASSED ? "passed" : "failed",
                h.expected(),
                h.measured(),
                evidence);
    }

    private static List<FaultRow> faultRows(Journal j) {
        List<FaultRow> rows = new ArrayList<>();
        for (FaultRecord f : j.faults()) {
            if (f.targets().isEmpty()) {
                rows.add(new FaultRow(
                        f.name(),
                        f.action(),
                        "(no target matched)",
                        "skipped",
                        "neutral",
                        Format.offset(f.atMs()),
                        ""));
            }
            for (TargetRecord t : f.targets()) {
                String window = t.injectedAtMs() == null
                        ? "not injected"
                        : Format.offset(t.injectedAtMs())
                                + (t.recoveredAtMs() == null
                                        ? " to (open)"
                                        : " to " + Format.offset(t.recoveredAtMs()));
                List<String> details = new ArrayList<>();
                t.measurements().forEach(m -> details.add(m.name() + " " + m.shown()));
                if (t.message() != null && !t.message().isBlank()) {
                    details.add(t.message());
                }
                String state = t.state().name().replace('_', ' ').toLowerCase(Locale.ROOT);
                rows.add(new FaultRow(
                        f.name(),
                        f.action(),
                        (t.namespace() == null ? "" : t.namespace() + "/") + t.name() + " ("
                                + t.kind().toLowerCase(Locale.ROOT) + ")",
                        state,
                        t.state().settled() ? "passed" : "failed",
                        window,
                        String.join("; ", details)));
            }
        }
        return rows;
    }

    private static List<TerminationRow> terminationRows(Journal j) {
        if (j.terminations() == null) {
            return List.of();
        }
        return j.terminations().stream()
                .map(t -> new TerminationRow(
                        Format.offset(t.atMs()),
                        t.causeText(),
                        t.how() == null ? "not recorded" : t.how(),
                        t.qos() == null || t.qos().isEmpty() ? "" : t.qos(),
                        t.pod(),
                        t.node() == null ? "" : t.node(),
                        t.wasInRotation() == null
                                ? "not measured"
                                : !t.wasInRotation()
                                        ? "was not in rotation"
                                        : t.outOfRotationAfterMs() == null
                                                ? "still listed at the end"
                                                : Format.millis(t.outOfRotationAfterMs())
                                                        + (t.exitedInRotation() ? " (after its exit)" : ""),
                        t.exitedAfterMs() == null ? "not before the end" : Format.millis(t.exitedAfterMs()),
                        t.signalled()
                                ? "(the pod stays)"
                                : t.goneAfterMs() == null
                                        ? t.evictedByTheKubelet() ? "(the pod stays, failed)" : "not before the end"
                                        : Format.millis(t.goneAfterMs()),
                        t.requests() == null ? "no load" : Long.toString(t.requests()),
                        t.failedRequests() == null ? "" : Long.toString(t.failedRequests()),
                        t.failedRequests() != null && t.failedRequests() > 0 ? "failed" : ""))
                .toList();
    }

    private static String terminationsNote(Journal j) {
        if (j.terminations() == null) {
            return "Not recorded: the agent that ran this stopped before it could say, or predates this table.";
        }
        return j.terminations().isEmpty() ? "No pod of the target terminated during the run." : "";
    }

    private static EventRow eventRow(TimelineEvent e) {
        return new EventRow(Format.offset(e.t()), e.source(), e.subject(), e.message());
    }

    private static List<Fact> environment(Journal j) {
        List<Fact> env = new ArrayList<>();
        if (j.environment() == null) {
            // A run whose agent died: the next agent wrote the journal and never saw the start.
            env.add(new Fact("Cluster", "not recorded (the agent that ran this stopped during the run)"));
            env.add(new Fact("Agent", j.run().agentVersion()));
            return env;
        }
        env.add(new Fact("API server", j.environment().server()));
        env.add(new Fact("Kubernetes", j.environment().kubernetesVersion()));
        long ready = j.environment().nodes().stream().filter(n -> n.ready()).count();
        long schedulable =
                j.environment().nodes().stream().filter(n -> n.schedulable()).count();
        env.add(new Fact(
                "Nodes at start",
                j.environment().nodes().isEmpty()
                        // A namespaced agent may not list nodes; a cluster the run could act on has some.
                        ? "not read (an agent with namespaced RBAC reads no node)"
                        : "%d (%d ready, %d schedulable)"
                                .formatted(j.environment().nodes().size(), ready, schedulable)));
        env.add(new Fact("Agent", j.run().agentVersion()));
        return env;
    }
}
