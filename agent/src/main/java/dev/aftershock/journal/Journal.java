package dev.aftershock.journal;

import java.util.List;

/**
 * One run. Optional parts are null when absent (no load configured, no abort; no terminations when
 * the agent that ran it stopped before it could say), never omitted silently: a reader can tell
 * "not measured" from "zero".
 */
public record Journal(
        String format,
        RunInfo run,
        ExperimentInfo experiment,
        Environment environment,
        List<FaultRecord> faults,
        List<Termination> terminations,
        LoadSeries load,
        List<Series> series,
        List<TimelineEvent> events,
        List<HypothesisResult> hypotheses,
        AbortRecord abort,
        RollbackRecord rollback) {
    public static final String FORMAT = "aftershock.dev/journal/v1";

    public Journal {
        faults = List.copyOf(faults);
        terminations = terminations == null ? null : List.copyOf(terminations);
        series = List.copyOf(series);
        events = List.copyOf(events);
        hypotheses = List.copyOf(hypotheses);
    }
}
