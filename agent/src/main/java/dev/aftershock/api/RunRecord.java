package dev.aftershock.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;

/**
 * What the agent keeps of one run it was asked for: enough to list it, show its verdict and serve its
 * artifacts after the run, and after the agent itself restarted.
 *
 * @param target the experiment's target, {@code namespace/kind/name}
 * @param state running, finished, interrupted (the agent stopped while it ran), or skipped (a
 *     scheduled start that did not start)
 * @param outcome passed, failed, refused or aborted once finished (as the CLI's exit codes 0 to 3);
 *     forbidden or missed when skipped
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RunRecord(
        String id,
        String experiment,
        String target,
        String state,
        String outcome,
        Integer exitCode,
        Instant started,
        Instant ended,
        String reason) {
    public static final String RUNNING = "running";
    public static final String FINISHED = "finished";
    public static final String INTERRUPTED = "interrupted";
    public static final String SKIPPED = "skipped";
    public static final String FORBIDDEN = "forbidden";
    public static final String MISSED = "missed";

    /** A scheduled start that did not start ({@link #FORBIDDEN} or {@link #MISSED}), and why. */
    static RunRecord skipped(String id, String experiment, String outcome, Instant scheduled, String why) {
        return new RunRecord(id, experiment, null, SKIPPED, outcome, null, scheduled, Instant.now(), why);
    }

    RunRecord finished(int exit, Instant at) {
        return new RunRecord(id, experiment, target, FINISHED, outcomeOf(exit), exit, started, at, reason);
    }

    RunRecord interrupted(String why, Instant at) {
        return new RunRecord(id, experiment, target, INTERRUPTED, "aborted", 3, started, at, why);
    }

    RunRecord because(String why) {
        return new RunRecord(id, experiment, target, state, outcome, exitCode, started, ended, why);
    }

    static String outcomeOf(int exitCode) {
        return switch (exitCode) {
            case 0 -> "passed";
            case 1 -> "failed";
            case 2 -> "refused";
            default -> "aborted";
        };
    }
}
