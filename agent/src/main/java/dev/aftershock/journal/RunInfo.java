package dev.aftershock.journal;

import java.time.Instant;

/** Who ran what, when, and how it ended. {@code exitCode} is the CLI's (0, 1, 2 or 3). */
public record RunInfo(
        String id,
        Instant startedAt,
        Instant endedAt,
        Outcome outcome,
        int exitCode,
        boolean dryRun,
        String agentVersion) {
    public enum Outcome {
        PASSED,
        FAILED,
        ABORTED,
        ERROR
    }

    public long lengthMs() {
        return endedAt.toEpochMilli() - startedAt.toEpochMilli();
    }
}
