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
    void windowPercentilesAreThoseOfTheUnionOfTheirRequestsWithinTheHistogramsPrecision() {
        LoadRecorder load = new LoadRecorder(START, "t");
        java.util.Random random = new java.util.Random(18);
        List<List<Long>> bySecond = new java.util.ArrayList<>();
        for (int s = 0; s < 20; s++) {
            List<Long> latencies = new java.util.ArrayList<>();
            for (int i = 0; i < 500; i++) {
                // Mostly fast, with a slow tail past the histogram's exact range (2,047 ms).
                long latency = random.nextInt(100) < 95 ? random.nextInt(300) : 2_000 + random.nextInt(28_000);
                latencies.add(latency);
                load.add(new Outcome(START + s * 1000L + i, latency, 200, "p", "n", null));
            }
            bySecond.add(latencies);
        }
        for (int[] span : new int[][] {{0, 20}, {3, 9}, {7, 8}}) {
            long[] union = bySecond.subList(span[0], span[1]).stream()
                    .flatMap(List::stream)
                    .mapToLong(Long::longValue)
                    .sorted()
                    .toArray();
            var w = load.window(span[0], span[1]);
            assertThat(w.requests()).isEqualTo(union.length);
            for (double p : new double[] {50, 95, 99}) {
                long exact = union[(int) Math.ceil(p / 100 * union.length) - 1];
                double measured = p == 50 ? w.p50() : p == 95 ? w.p95() : w.p99();
                assertThat(measured)
                        .as("p%s of seconds %d..%d", p, span[0], span[1])
                        .isCloseTo(exact, org.assertj.core.data.Offset.offset(Math.max(0.0, exact * 0.001)));
            }
        }
    }

    @Test
    void whatARecorderKeepsGrowsWithTheSecondsNotTheRequests() {
        LoadRecorder few = new LoadRecorder(START, "t");
        LoadRecorder many = new LoadRecorder(START, "t");
        java.util.Random random = new java.util.Random(19);
        for (int s = 0; s < 10; s++) {
            for (int i = 0; i < 100_000; i++) {
                long latency = 1 + random.nextInt(200);
                Outcome o = new Outcome(START + s * 1000L, latency, 503, "p", "n", "request " + i + " failed");
                many.add(o);
                if (i < 100) {
                    few.add(o);
                }
            }
        }
        assertThat(many.whole().requests()).isEqualTo(1_000_000);
        // A thousand times the requests, with the same spread of latencies: the same histograms.
        assertThat(many.latencyFootprintBytes()).isLessThanOrEqualTo(2 * few.latencyFootprintBytes());
        // And a message that differs every request is counted under a capped set of names.
        assertThat(many.series().seconds().get(0).errors()).hasSize(LoadRecorder.MAX_SERVED_NAMES + 1);
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
