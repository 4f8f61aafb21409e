package dev.aftershock.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Two runs of one experiment started in the same second still get ids of their own (Engine II, behaviour 2). */
class RunIdTest {
    @Test
    void runIdsStartedInOneSecondDiffer() {
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 50; i++) {
            ids.add(RunEngine.newRunId("checkout"));
        }
        assertThat(ids).hasSizeGreaterThan(45).allMatch(id -> id.matches("checkout-\\d{8}-\\d{6}-[0-9a-f]{4}"));
    }
}
