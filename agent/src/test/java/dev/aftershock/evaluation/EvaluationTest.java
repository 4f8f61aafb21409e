package dev.aftershock.evaluation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aftershock.journal.HypothesisResult.Verdict;
import dev.aftershock.model.AbortCondition;
import dev.aftershock.model.Hypothesis;
import dev.aftershock.model.Percent;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class EvaluationTest {
    private static final long START = 1_000_000L;

    /** rate requests in each of seconds [from, to), each taking latencyMs, failing when error != null. */
    private static void traffic(LoadRecorder load, long from, long to, int rate, long latencyMs, String error) {
        for (long s = from; s < to; s++) {
            for (int i = 0; i < rate; i++) {
                load.add(new Outcome(START + s * 1000 + i, latencyMs, error == null ? 200 : 503, "p", "n", error));
            }
        }
    }

    private static Hypothesis.Slo slo(Duration p99, Percent errorRate, Duration window) {
        return new Hypothesis.Slo(
                "users",
                Optional.empty(),
                Optional.empty(),
                Optional.ofNullable(p99),
                Optional.ofNullable(errorRate),
                Optional.ofNullable(window));
    }

    @Test
    void percentilesAreNearestRankPerSecondAndOverTheRun() {
        LoadRecorder load = new LoadRecorder(START, "t");
        for (int i = 1; i <= 100; i++) {
            load.add(new Outcome(START + 10, i, 200, "p", "n", null));
        }
        var whole = load.whole();
        assertThat(whole.requests()).isEqualTo(100);
        assertThat(whole.p50()).isEqualTo(50);
        assertThat(whole.p95()).isEqualTo(95);
        assertThat(whole.p99()).isEqualTo(99);
        assertThat(load.series().seconds()).hasSize(1);
    }

    @Test
    void aRunWithinItsSloPassesWithTheMeasuredValuesAsEvidence() {
        LoadRecorder load = new LoadRecorder(START, "t");
        traffic(load, 0, 60, 20, 40, null);
        var result = SloEvaluator.judge(slo(Duration.ofMillis(500), new Percent(1), null), load);
        assertThat(result.verdict()).isEqualTo(Verdict.PASSED);
        assertThat(result.measured()).contains("p99 40 ms").contains("requests 1200");
    }

    @Test
    void anImpossibleSloFailsAndNamesTheMeasuredValue() {
        LoadRecorder load = new LoadRecorder(START, "t");
        traffic(load, 0, 60, 20, 40, null);
        var result = SloEvaluator.judge(slo(Duration.ofMillis(1), null, null), load);
        assertThat(result.verdict()).isEqualTo(Verdict.FAILED);
        assertThat(result.measured()).startsWith("p99 40 ms > 1ms");
    }

    @Test
    void aWindowedSloIsJudgedOnItsWorstWindow() {
        LoadRecorder load = new LoadRecorder(START, "t");
        traffic(load, 0, 60, 20, 40, null);
        traffic(load, 30, 40, 5, 0, "connect");
        var overall = SloEvaluator.judge(slo(null, new Percent(5), null), load);
        var windowed = SloEvaluator.judge(slo(null, new Percent(5), Duration.ofSeconds(10)), load);
        assertThat(overall.verdict()).isEqualTo(Verdict.PASSED);
        assertThat(windowed.verdict()).isEqualTo(Verdict.FAILED);
        assertThat(windowed.measured()).contains("from second 30").contains("error rate 20 %");
    }

    @Test
    void noTrafficIsNotEvaluatedRatherThanPassed() {
        var result = SloEvaluator.judge(slo(Duration.ofMillis(500), null, null), new LoadRecorder(START, "t"));
        assertThat(result.verdict()).isEqualTo(Verdict.NOT_EVALUATED);
    }

    @Test
    void anAbortFiresOnlyAfterTheConditionHeldForItsWholeDuration() {
        var monitor = new AbortMonitor(
                List.of(new AbortCondition(new AbortCondition.ErrorRateAbove(new Percent(25)), Duration.ofSeconds(5))));
        LoadRecorder load = new LoadRecorder(START, "t");
        traffic(load, 0, 3, 10, 5, "connect");
        traffic(load, 3, 4, 10, 5, null);
        traffic(load, 4, 9, 10, 5, "timeout");
        List<Long> fired = new java.util.ArrayList<>();
        for (long s = 0; s < 9; s++) {
            monitor.observe(load.window(s, s + 1)).ifPresent(t -> fired.add(0L));
            if (!fired.isEmpty()) {
                fired.set(0, s);
                break;
            }
        }
        assertThat(fired)
                .as("a healthy second resets the count; fires at the 5th bad second in a row")
                .containsExactly(8L);
    }
}
