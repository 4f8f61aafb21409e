package dev.aftershock.model;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PickTest {
    @ParameterizedTest
    @CsvSource({"30,10,3", "30,2,1", "30,0,0", "100,7,7", "50,3,2", "1,1000,10", "0.5,10,1"})
    void aShareRoundsUpAndPicksAtLeastOne(double percent, int candidates, int picked) {
        assertThat(new Pick.Share(new Percent(percent)).countOf(candidates)).isEqualTo(picked);
    }

    @ParameterizedTest
    @CsvSource({"3,10,3", "3,2,2", "1,0,0"})
    void aCountNeverExceedsTheCandidates(int count, int candidates, int picked) {
        assertThat(new Pick.Count(count).countOf(candidates)).isEqualTo(picked);
    }

    @ParameterizedTest
    @CsvSource({"50,3,1", "50,4,2", "100,5,5", "10,5,0"})
    void maxUnavailableShareRoundsDown(double percent, int replicas, int allowed) {
        assertThat(new Safety.MaxUnavailable.Share(new Percent(percent)).of(replicas))
                .isEqualTo(allowed);
    }
}
