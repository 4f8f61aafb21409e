package dev.aftershock.run;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * SIGINT or SIGTERM: recovery starts at once, on the hook's own thread, while the main thread stops
 * the load and writes the journal; the JVM exits only when both are done (or after a bound). A run
 * that never got going releases the hook at once: no signal waits for a journal that will not come.
 */
final class SignalGuard {
    /** How long the hook waits for the journal after recovering. */
    static final long JOURNAL_WAIT_SECONDS = 60;

    private final CountDownLatch finished = new CountDownLatch(1);
    private final Thread hook;

    SignalGuard(Runnable onSignal) {
        this.hook = new Thread(
                () -> {
                    if (finished.getCount() == 0) {
                        return;
                    }
                    onSignal.run();
                    try {
                        finished.await(JOURNAL_WAIT_SECONDS, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                },
                "aftershock-recover-on-exit");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /** The run is over (journal written, or it failed to start): a signal now has nothing to wait for. */
    void finished() {
        finished.countDown();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // The hook is running or the JVM is exiting: it sees the latch and returns.
        }
    }
}
