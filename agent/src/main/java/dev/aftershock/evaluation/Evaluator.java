package dev.aftershock.evaluation;

import dev.aftershock.journal.HypothesisResult;
import dev.aftershock.model.Hypothesis;
import java.util.List;

/** Judges one kind of hypothesis over the run's evidence. Probes gather, evaluators judge. */
public interface Evaluator<H extends Hypothesis> {
    HypothesisResult judge(H hypothesis, Evidence evidence) throws InterruptedException;

    /** The verdict when the evidence needed is not there: never a pass. */
    static HypothesisResult notEvaluated(Hypothesis h, String kind, String why) {
        return new HypothesisResult(
                h.name(), kind, HypothesisResult.Verdict.NOT_EVALUATED, "as stated in the experiment", why, List.of());
    }
}
