package dev.aftershock.run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aftershock.evaluation.LoadFrame;
import dev.aftershock.evaluation.Outcome;
import dev.aftershock.load.LoadDriver;
import dev.aftershock.metrics.AgentMetrics;
import dev.aftershock.model.Arrival;
import dev.aftershock.model.LoadProfile;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** A load that died is not a load that passed (Engine II, behaviour 6). */
class LoadSessionTest {
    /** A driver of our own interface that plays what the test says. */
    private static final class ScriptedDriver implements LoadDriver {
        boolean alive = true;
        Integer exit;
        long unreadable;
        Consumer<LoadFrame> frames;
        long originMs;

        @Override
        public void start(
                LoadProfile profile, URI url, Map<String, String> headers, long originMs, Consumer<LoadFrame> frames) {
            this.frames = frames;
            this.originMs = originMs;
        }

        /** One request, sent as the driver sends its frames. */
        void outcome(Outcome o) {
            frames.accept(LoadFrame.of(o, originMs));
        }

        @Override
        public boolean awaitEnd(Duration atMost) {
            return true;
        }

        @Override
        public boolean alive() {
            return alive;
        }

        @Override
        public OptionalInt exitCode() {
            return exit == null ? OptionalInt.empty() : OptionalInt.of(exit);
        }

        @Override
        public long unreadableLines() {
            return unreadable;
        }

        @Override
        public void close() {}
    }

    private static final LoadProfile TEN_RPS_FOR_A_MINUTE = new LoadProfile(
            URI.create("http://127.0.0.1:1/"),
            "GET",
            Map.of(),
            Optional.empty(),
            Duration.ofSeconds(1),
            List.of(new Arrival.Hold(10, Duration.ofMinutes(1))));

    private static LoadSession session(ScriptedDriver driver, Instant start) {
        return LoadSession.start(
                TEN_RPS_FOR_A_MINUTE,
                URI.create("http://127.0.0.1:1/"),
                Map.of(),
                dev.aftershock.journal.Redaction.none(),
                driver,
                new RunRecorder(start),
                new AgentMetrics());
    }

    @Test
    void aDriverThatExitsBeforeItsPlanEndsIsALoadThatDidNotHappen() {
        ScriptedDriver driver = new ScriptedDriver();
        LoadSession load = session(driver, Instant.now().minusSeconds(20));
        driver.alive = false;
        driver.exit = 137;
        load.checkHealth();
        load.stop(false);
        assertThat(load.didNotHappen(false))
                .hasValueSatisfying(why -> assertThat(why).contains("exited at").contains("code 137"));
    }

    @Test
    void unreadableOutcomeLinesBreakTheLoad() {
        ScriptedDriver driver = new ScriptedDriver();
        LoadSession load = session(driver, Instant.now());
        driver.unreadable = 3;
        load.checkHealth();
        assertThat(load.didNotHappen(false))
                .hasValueSatisfying(why -> assertThat(why).contains("3 line(s)"));
    }

    @Test
    void aStalledDriverAndAShortfallAreReported() {
        ScriptedDriver stalled = new ScriptedDriver();
        LoadSession load = session(stalled, Instant.now().minusSeconds(40));
        load.checkHealth();
        assertThat(load.didNotHappen(false))
                .hasValueSatisfying(why -> assertThat(why).contains("stalled"));

        ScriptedDriver short_ = new ScriptedDriver();
        Instant start = Instant.now().minusSeconds(70);
        LoadSession shortLoad = session(short_, start);
        for (int i = 0; i < 300; i++) {
            short_.outcome(new Outcome(start.toEpochMilli() + i * 100L, 5, 200, null, null, null));
        }
        short_.alive = false;
        short_.exit = 0;
        shortLoad.stop(false);
        assertThat(shortLoad.didNotHappen(false))
                .hasValueSatisfying(why -> assertThat(why).contains("300 requests of the 600"));
        assertThat(shortLoad.didNotHappen(true))
                .as("a run stopped early has no shortfall to report")
                .isEmpty();
    }

    @Test
    void aLoadThatPlayedItsPlanHappened() {
        ScriptedDriver driver = new ScriptedDriver();
        Instant start = Instant.now().minusSeconds(61);
        LoadSession load = session(driver, start);
        for (int i = 0; i < 600; i++) {
            driver.outcome(new Outcome(start.toEpochMilli() + i * 100L, 5, 200, null, null, null));
        }
        driver.alive = false;
        driver.exit = 0;
        load.checkHealth();
        load.stop(false);
        assertThat(load.didNotHappen(false)).isEmpty();
    }
}
