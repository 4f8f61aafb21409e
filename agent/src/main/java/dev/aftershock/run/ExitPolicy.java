package dev.aftershock.run;

import dev.aftershock.journal.HypothesisResult;
import dev.aftershock.journal.RunInfo;
import java.util.ArrayList;
import java.util.List;

/**
 * How a run ends, from what happened: a pass needs the experiment to have happened as written
 * (every fault injected, the load delivered) and every hypothesis to hold. Pure, so each rule is a
 * one-line test.
 */
final class ExitPolicy {
    /** What the run knows at its end. */
    record Facts(
            String interruptedBy,
            long unrecovered,
            boolean rollbackExpected,
            long recoveryFailures,
            List<String> didNotHappen,
            List<HypothesisResult> verdicts) {}

    record Decision(RunInfo.Outcome outcome, int exitCode, List<String> reasons) {
        boolean passed() {
            return outcome == RunInfo.Outcome.PASSED;
        }
    }

    private ExitPolicy() {}

    static Decision decide(Facts f) {
        List<String> reasons = new ArrayList<>();
        if (f.interruptedBy() != null) {
            reasons.add(f.interruptedBy());
            return new Decision(RunInfo.Outcome.ABORTED, 3, reasons);
        }
        if (f.recoveryFailures() > 0) {
            // Whatever the rollback policy: a recovery that was tried and failed is never a pass.
            reasons.add(f.recoveryFailures() + " target(s) could not be recovered: run `aftershock recover`");
        } else if (f.unrecovered() > 0 && f.rollbackExpected()) {
            reasons.add(f.unrecovered() + " target(s) not recovered: run `aftershock recover`");
        }
        reasons.addAll(f.didNotHappen());
        if (!reasons.isEmpty()) {
            return new Decision(RunInfo.Outcome.ERROR, 3, reasons);
        }
        List<String> failed = f.verdicts().stream()
                .filter(v -> v.verdict() != HypothesisResult.Verdict.PASSED)
                .map(v -> "hypothesis %s %s"
                        .formatted(v.name(), v.verdict().name().toLowerCase(java.util.Locale.ROOT)))
                .toList();
        if (!failed.isEmpty()) {
            return new Decision(RunInfo.Outcome.FAILED, 1, failed);
        }
        return new Decision(RunInfo.Outcome.PASSED, 0, List.of());
    }
}
