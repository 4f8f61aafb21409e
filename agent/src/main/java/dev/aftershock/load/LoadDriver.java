package dev.aftershock.load;

import dev.aftershock.evaluation.Outcome;
import dev.aftershock.model.LoadProfile;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.function.Consumer;

/** Plays a load profile against a URL and hands over every request's outcome as it completes. */
public interface LoadDriver extends AutoCloseable {
    /** {@code headers}: the values to send, resolved (some are secrets the driver must not write down). */
    void start(LoadProfile profile, URI url, java.util.Map<String, String> headers, Consumer<Outcome> outcomes)
            throws IOException;

    /** Waits until the profile has played out and every outcome has been handed over. */
    boolean awaitEnd(Duration atMost) throws InterruptedException;

    /** Whether the driver's process still runs. */
    boolean alive();

    /** The driver's exit code once it has exited, else empty. */
    java.util.OptionalInt exitCode();

    /** Lines the driver sent that were not outcomes (a broken stream: those requests are not counted). */
    long unreadableLines();

    /** Stops the load now (an abort, a signal, the end of the run). */
    @Override
    void close();
}
