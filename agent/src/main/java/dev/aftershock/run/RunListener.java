package dev.aftershock.run;

/**
 * Who follows a run while it goes on besides the terminal: the agent's API streams these to its
 * clients. Called on the run's threads; must not block.
 */
public interface RunListener {
    /** Once a second while the load runs: what the progress line says, as numbers. */
    void progress(Progress progress);

    /** A line the run printed; {@code warning} for what went to standard error. */
    void line(String text, boolean warning);

    /** The run's progress at one second of its clock. */
    record Progress(
            long elapsedSeconds, long rps, double p99Millis, double errorPercent, String replicas, long activeFaults) {}

    RunListener NONE = new RunListener() {
        @Override
        public void progress(Progress progress) {}

        @Override
        public void line(String text, boolean warning) {}
    };
}
