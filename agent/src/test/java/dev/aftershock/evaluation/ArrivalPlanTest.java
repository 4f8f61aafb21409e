package dev.aftershock.evaluation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.aftershock.model.Arrival;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class ArrivalPlanTest {
    private final ArrivalPlan plan = new ArrivalPlan(List.of(
            new Arrival.Ramp(0, 10, Duration.ofSeconds(10)),
            new Arrival.Hold(10, Duration.ofSeconds(5)),
            new Arrival.Steps(List.of(2.0, 4.0), Duration.ofSeconds(5))));

    @Test
    void requestsAreTheAreaUnderTheRate() {
        assertThat(plan.lengthMs()).isEqualTo(25_000);
        assertThat(plan.expectedRequests()).isCloseTo(50 + 50 + 10 + 20, within(1e-9));
        assertThat(plan.expectedUntil(5_000)).isCloseTo(12.5, within(1e-9));
        assertThat(plan.expectedUntil(12_000)).isCloseTo(70, within(1e-9));
    }

    @Test
    void rateAtEachMoment() {
        assertThat(plan.rateAt(5_000)).isCloseTo(5, within(1e-9));
        assertThat(plan.rateAt(12_000)).isEqualTo(10);
        assertThat(plan.rateAt(21_000)).isEqualTo(4);
        assertThat(plan.rateAt(30_000)).isZero();
    }

    /** The ramp from nothing at 0; the hold continues it; the steps drop to 2, then rise to 4 at 20 s. */
    @Test
    void theLoadRisesWhereTheRateStartsToClimb() {
        assertThat(plan.risesMs()).containsExactly(0L, 20_000L);
        assertThat(new ArrivalPlan(List.of(
                                new Arrival.Hold(5, Duration.ofSeconds(10)),
                                new Arrival.Ramp(5, 5, Duration.ofSeconds(10)),
                                new Arrival.Hold(50, Duration.ofSeconds(10)),
                                new Arrival.Ramp(50, 10, Duration.ofSeconds(10))))
                        .risesMs())
                .containsExactly(0L, 20_000L);
    }

    /** A plan that opens quietly or ramps from nothing sends its first request late: the clock goes back by that. */
    @Test
    void theFirstRequestIsDueWhenThePlanHasSentOne() {
        assertThat(new ArrivalPlan(List.of(new Arrival.Hold(20, Duration.ofSeconds(10)))).firstRequestMs())
                .isEqualTo(50);
        ArrivalPlan quiet = new ArrivalPlan(
                List.of(new Arrival.Hold(0, Duration.ofSeconds(30)), new Arrival.Hold(10, Duration.ofSeconds(30))));
        assertThat(quiet.firstRequestMs()).isEqualTo(30_100);
        assertThat(quiet.risesMs()).containsExactly(30_000L);

        LoadRecorder load = new LoadRecorder(1_000_000, "http://web");
        load.add(new Outcome(1_000_000 + 34_100, 5, 200, null, null, null));
        Evidence e = new Evidence(
                java.util.Optional.of(load),
                java.util.Optional.empty(),
                new ClusterTimeline(),
                java.util.Optional.empty(),
                60_000,
                "deployment/web",
                List.of(),
                java.util.Optional.of(quiet));
        assertThat(e.loadRisesMs()).as("the plan began 4 s into the run").containsExactly(34_000L);
    }
}
