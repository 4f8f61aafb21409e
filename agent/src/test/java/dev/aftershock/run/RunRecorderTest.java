package dev.aftershock.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The run's clock starts when the timeline can play, not when the run is made. */
class RunRecorderTest {
    @Test
    void whatIsRecordedBeforeTheClockStartsIsTheStateTheRunBeganWith() throws Exception {
        RunRecorder recorder = RunRecorder.unstarted();
        Thread.sleep(30);
        recorder.event("node", "seen", "node/a", "Ready");
        assertThat(recorder.now()).isZero();

        Instant before = Instant.now();
        recorder.startClock();
        Thread.sleep(30);
        recorder.event("fault", "injected", "a", "cordoned");

        assertThat(recorder.start()).isAfterOrEqualTo(before);
        assertThat(recorder.events())
                .extracting(e -> e.t() > 0)
                .as("found while starting at 0, the fault after it on the clock")
                .containsExactly(false, true);
    }

    @Test
    void aRunThatEndsBeforeItsClockStartsStillHasAStart() {
        assertThat(RunRecorder.unstarted().start()).isNotNull();
    }
}
