package dev.aftershock.journal;

import java.util.List;

/** A hypothesis with its verdict and the evidence: what was expected, what was measured. */
public record HypothesisResult(
        String name, String kind, Verdict verdict, String expected, String measured, List<Measurement> evidence) {
    public HypothesisResult {
        evidence = List.copyOf(evidence);
    }

    public enum Verdict {
        PASSED,
        FAILED,
        /** Could not be judged (no data); counts as a failure for the exit code. */
        NOT_EVALUATED
    }
}
