package dev.aftershock.run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aftershock.journal.HypothesisResult;
import dev.aftershock.journal.RunInfo;
import java.util.List;
import org.junit.jupiter.api.Test;

class ExitPolicyTest {
    private static final HypothesisResult PASSED =
            new HypothesisResult("h", "slo", HypothesisResult.Verdict.PASSED, "", "", List.of());
    private static final HypothesisResult FAILED =
            new HypothesisResult("h", "slo", HypothesisResult.Verdict.FAILED, "", "", List.of());
    private static final HypothesisResult NOT_EVALUATED =
            new HypothesisResult("h", "slo", HypothesisResult.Verdict.NOT_EVALUATED, "", "", List.of());

    private static ExitPolicy.Decision decide(
            String interrupted, long unrecovered, boolean rollback, List<String> missed, HypothesisResult... v) {
        return ExitPolicy.decide(new ExitPolicy.Facts(interrupted, unrecovered, rollback, 0, missed, List.of(v)));
    }

    @Test
    void aRunPassesOnlyWhenEverythingHappenedAndHeld() {
        assertThat(decide(null, 0, true, List.of(), PASSED).exitCode()).isZero();
        assertThat(decide(null, 0, true, List.of()).outcome()).isEqualTo(RunInfo.Outcome.PASSED);
    }

    @Test
    void aFaultThatDidNotHappenIsAnErrorEvenWhenHypothesesHold() {
        var d = decide(null, 0, true, List.of("fault kill did not happen on pod p: 403"), PASSED);
        assertThat(d.outcome()).isEqualTo(RunInfo.Outcome.ERROR);
        assertThat(d.exitCode()).isEqualTo(3);
        assertThat(d.reasons()).containsExactly("fault kill did not happen on pod p: 403");
    }

    @Test
    void aFailedOrUnevaluatedHypothesisFails() {
        assertThat(decide(null, 0, true, List.of(), PASSED, FAILED).exitCode()).isEqualTo(1);
        assertThat(decide(null, 0, true, List.of(), NOT_EVALUATED).outcome()).isEqualTo(RunInfo.Outcome.FAILED);
    }

    @Test
    void unrecoveredTargetsAreAnErrorUnlessTheRunWasToldToLeaveThem() {
        assertThat(decide(null, 1, true, List.of(), PASSED).outcome()).isEqualTo(RunInfo.Outcome.ERROR);
        assertThat(decide(null, 1, false, List.of(), PASSED).outcome()).isEqualTo(RunInfo.Outcome.PASSED);
    }

    @Test
    void anInterruptionOutranksEverything() {
        var d = decide("abort: error rate", 0, true, List.of("x"), FAILED);
        assertThat(d.outcome()).isEqualTo(RunInfo.Outcome.ABORTED);
        assertThat(d.exitCode()).isEqualTo(3);
    }

    @Test
    void aRecoveryThatFailedIsAnErrorWhateverThePolicy() {
        var d = ExitPolicy.decide(new ExitPolicy.Facts(null, 1, false, 1, List.of(), List.of(PASSED)));
        assertThat(d.outcome()).isEqualTo(RunInfo.Outcome.ERROR);
        assertThat(d.reasons()).singleElement().asString().contains("could not be recovered");
    }
}
