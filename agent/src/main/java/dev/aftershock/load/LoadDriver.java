package dev.aftershock.load;

import dev.aftershock.evaluation.LoadFrame;
import dev.aftershock.model.LoadProfile;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * Plays a load profile against a URL and hands over the requests' outcomes as they complete,
 * aggregated by the second of the run they started in (several frames of a second add up).
 */
public interface LoadDriver extends AutoCloseable {
    /**
     * Before the run's clock starts: a driver whose load takes long to ready (injector pods) readies
     * it here, so that it starts with the run, and returns when it starts (epoch ms, this machine's
     * clock): the run's clock starts then. Empty: the load starts when {@link #start} is called.
     */
    default java.util.OptionalLong prepare(
            LoadProfile profile, URI url, java.util.Map<String, String> headers, Consumer<LoadFrame> outcomes)
            throws IOException {
        return java.util.OptionalLong.empty();
    }

    /**
     * {@code headers}: the values to send, resolved (some are secrets the driver must not write
     * down); {@code originMs}: the run's start (epoch ms), which the frames' seconds count from.
     */
    void start(
            LoadProfile profile,
            URI url,
            java.util.Map<String, String> headers,
            long originMs,
            Consumer<LoadFrame> outcomes)
            throws IOException;

    /** Waits until the profile has played out and every outcome has been handed over. */
    boolean awaitEnd(Duration atMost) throws InterruptedException;

    /** Whether the driver's process still runs. */
    boolean alive();

    /** The driver's exit code once it has exited, else empty. */
    java.util.OptionalInt exitCode();

    /** Lines the driver sent that were not outcome frames (a broken stream: those requests are not counted). */
    long unreadableLines();

    /** Why part of the load stopped before its plan ended (an injector gone), naming what was lost. */
    default java.util.Optional<String> failure() {
        return java.util.Optional.empty();
    }

    /** What closing could not remove from the cluster (injector pods, their Secret), or empty. */
    default java.util.Optional<String> leftBehind() {
        return java.util.Optional.empty();
    }

    /** Each injector pod's part, for the journal (none for the agent's own child). */
    default java.util.List<dev.aftershock.journal.LoadSeries.Injector> injectors() {
        return java.util.List.of();
    }

    /** Stops the load now (an abort, a signal, the end of the run). */
    @Override
    void close();
}
