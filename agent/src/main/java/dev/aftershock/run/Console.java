package dev.aftershock.run;

import dev.aftershock.evaluation.LoadRecorder;
import dev.aftershock.journal.FaultRecord;
import dev.aftershock.journal.Format;
import dev.aftershock.journal.HypothesisResult;
import dev.aftershock.journal.Measurement;
import dev.aftershock.model.Durations;
import dev.aftershock.model.Experiment;
import dev.aftershock.selection.Plan;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** What the run tells the person at the terminal: the plan, a progress line, the outcome. */
final class Console {
    private final PrintWriter out;
    private final PrintWriter err;
    private final RunListener listener;

    Console(PrintWriter out, PrintWriter err, RunListener listener) {
        this.out = new PrintWriter(new ListenedLines(out, listener, false), true);
        this.err = new PrintWriter(new ListenedLines(err, listener, true), true);
        this.listener = listener;
    }

    /** What is written, as it is written, and each whole line to the listener too. */
    private static final class ListenedLines extends java.io.Writer {
        private final PrintWriter to;
        private final RunListener listener;
        private final boolean warning;
        private final StringBuilder line = new StringBuilder();

        ListenedLines(PrintWriter to, RunListener listener, boolean warning) {
            this.to = to;
            this.listener = listener;
            this.warning = warning;
        }

        @Override
        public synchronized void write(char[] chars, int offset, int length) {
            to.write(chars, offset, length);
            for (int i = offset; i < offset + length; i++) {
                if (chars[i] == '\n') {
                    listener.line(line.toString(), warning);
                    line.setLength(0);
                } else if (chars[i] != '\r') {
                    line.append(chars[i]);
                }
            }
        }

        @Override
        public void flush() {
            to.flush();
        }

        @Override
        public void close() {
            to.flush();
        }
    }

    void refused(String headline, List<String> reasons) {
        err.println(headline);
        reasons.forEach(r -> err.println("  - " + r));
        err.flush();
    }

    void line(String text) {
        out.println(text);
        out.flush();
    }

    void warn(String text) {
        err.println("aftershock: " + text);
        err.flush();
    }

    void plan(String runId, Experiment experiment, Plan plan) {
        out.printf(
                "run %s: %s, %s, seed %d%n",
                runId, experiment.name(), Durations.format(experiment.spec().duration()), plan.seed());
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
                                    f.targets().stream().map(Console::describe).toList()),
                    f.end().equals(f.start()) ? "" : ", recovered at " + Durations.format(f.end()));
        }
        plan.warnings().forEach(w -> out.println("  warning: " + w));
        out.flush();
    }

    private static String describe(Plan.Target t) {
        return switch (t) {
            case Plan.NodeTarget n ->
                "node " + n.name()
                        + (n.toEvict().isEmpty() ? "" : " (" + n.toEvict().size() + " pods to evict)");
            case Plan.PodTarget p -> "pod " + p.namespace() + "/" + p.name();
            case Plan.WorkloadTarget w ->
                w.kind().toLowerCase(java.util.Locale.ROOT) + " " + w.namespace() + "/" + w.name();
        };
    }

    void progress(long second, LoadRecorder.Window w, String replicas, long activeFaults) {
        listener.progress(
                new RunListener.Progress(second, w.requests(), w.p99(), w.errorRatePercent(), replicas, activeFaults));
        out.printf(
                Locale.ROOT,
                "%s  %d rps  p99 %s  errors %.1f %%  %s  faults active: %d%n",
                Format.offset(second * 1000),
                w.requests(),
                Format.millis(w.p99()),
                w.errorRatePercent(),
                replicas,
                activeFaults);
        out.flush();
    }

    void outcome(
            String runId,
            ExitPolicy.Decision decision,
            List<FaultRecord> faults,
            List<HypothesisResult> verdicts,
            Path report) {
        out.printf(
                "%s: %s (exit %d)%n", runId, decision.outcome().name().toLowerCase(Locale.ROOT), decision.exitCode());
        if (decision.exitCode() == 3) {
            decision.reasons().forEach(r -> out.println("  why: " + r));
        }
        faults.forEach(f -> f.targets()
                .forEach(t -> out.printf(
                        "  %s %s %s: %s%s%n",
                        f.name(),
                        t.kind().toLowerCase(Locale.ROOT),
                        t.name(),
                        t.state().name().toLowerCase(Locale.ROOT).replace('_', ' '),
                        t.measurements().isEmpty() ? "" : " (" + Measurement.joined(t.measurements(), ", ") + ")")));
        verdicts.forEach(v -> out.printf(
                "  hypothesis %s: %s: %s%n",
                v.name(), v.verdict().name().toLowerCase(Locale.ROOT).replace('_', ' '), v.measured()));
        out.println("report: " + report.toAbsolutePath());
        out.flush();
    }
}
