package dev.aftershock.evaluation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aftershock.journal.Measurement;
import java.util.List;
import org.junit.jupiter.api.Test;

class ShutdownTrafficTest {
    private static final long START = 1_000_000L;

    /** Ten requests a second for 20 s; two failures at 12.5 s, one at 18 s. */
    private static LoadRecorder load() {
        LoadRecorder load = new LoadRecorder(START, "http://target");
        for (int s = 0; s < 20; s++) {
            for (int i = 0; i < 10; i++) {
                load.add(new Outcome(START + s * 1000L + i * 100L, 5, 200, "p", "n", null));
            }
        }
        load.add(new Outcome(START + 12_500, 3, 0, null, null, "connect"));
        load.add(new Outcome(START + 12_600, 3, 502, null, null, "http-5xx"));
        load.add(new Outcome(START + 18_000, 3, 0, null, null, "timeout"));
        return load;
    }

    @Test
    void countsFromTheSecondOfTheKillThroughTheSecondAfterThePodWasGone() {
        // Killed at 10.4 s, gone 3.2 s later (13.6 s): seconds 10 to 14.
        List<Measurement> m = ShutdownTraffic.during(
                10_400, List.of(new Measurement(ShutdownTraffic.POD_GONE_AFTER, 3_200, "ms")), load());

        assertThat(m)
                .containsExactly(
                        new Measurement("requests during its shutdown", 52, "count"),
                        new Measurement("requests failed during its shutdown", 2, "count"));
    }

    @Test
    void nothingWhenThePodWasNotGoneBeforeTheRunEnded() {
        assertThat(ShutdownTraffic.during(
                        10_400, List.of(new Measurement(ShutdownTraffic.POD_GONE_AFTER, Double.NaN, "ms")), load()))
                .isEmpty();
        assertThat(ShutdownTraffic.during(10_400, List.of(), load())).isEmpty();
    }
}
