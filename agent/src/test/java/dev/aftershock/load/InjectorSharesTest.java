package dev.aftershock.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aftershock.evaluation.ArrivalPlan;
import dev.aftershock.model.Arrival;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Each injector plays rate / N of every phase; the remainder goes to the first ones; the shares add up exactly. */
class InjectorSharesTest {
    private static final List<Arrival> PLAN = List.of(
            new Arrival.Ramp(2, 100, Duration.ofSeconds(10)),
            new Arrival.Hold(100, Duration.ofSeconds(30)),
            new Arrival.Steps(List.of(10.0, 20.5, 7.0), Duration.ofSeconds(5)));

    @Test
    void aRateSplitsEvenlyWithTheRemainderOnTheFirstInjectors() {
        assertThat(IntStream.range(0, 3).mapToObj(i -> InjectorShares.rate(100, 3, i)))
                .containsExactly(33.334, 33.333, 33.333);
        assertThat(IntStream.range(0, 2).mapToObj(i -> InjectorShares.rate(40, 2, i)))
                .containsExactly(20.0, 20.0);
        assertThat(IntStream.range(0, 4).mapToObj(i -> InjectorShares.rate(0.002, 4, i)))
                .containsExactly(0.001, 0.001, 0.0, 0.0);
    }

    @Test
    void theSharesAddUpToThePlanAtEveryMoment() {
        for (int n : new int[] {1, 2, 3, 7}) {
            List<ArrivalPlan> shares = IntStream.range(0, n)
                    .mapToObj(i -> new ArrivalPlan(InjectorShares.share(PLAN, n, i)))
                    .toList();
            ArrivalPlan whole = new ArrivalPlan(PLAN);
            for (long ms = 0; ms <= whole.lengthMs(); ms += 500) {
                long at = ms;
                double sum =
                        shares.stream().mapToDouble(s -> s.expectedUntil(at)).sum();
                assertThat(sum).as("%d injectors at %d ms", n, ms).isCloseTo(whole.expectedUntil(ms), within());
            }
            assertThat(shares).allSatisfy(s -> assertThat(s.lengthMs()).isEqualTo(whole.lengthMs()));
        }
    }

    @Test
    void thereIsNoInjectorBeyondTheCount() {
        assertThatThrownBy(() -> InjectorShares.share(PLAN, 2, 2)).isInstanceOf(IllegalArgumentException.class);
    }

    private static org.assertj.core.data.Offset<Double> within() {
        return org.assertj.core.data.Offset.offset(1e-6);
    }
}
