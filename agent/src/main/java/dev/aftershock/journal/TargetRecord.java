package dev.aftershock.journal;

import java.util.List;

/**
 * One target (a node or a pod) of one fault. The rollback is recorded (state PLANNED) before the
 * injection is attempted, so a crash leaves a record of what may need recovery.
 */
public record TargetRecord(
        String kind,
        String namespace,
        String name,
        State state,
        Long injectedAtMs,
        Long recoveredAtMs,
        String message,
        List<Measurement> measurements) {
    public TargetRecord {
        measurements = List.copyOf(measurements);
    }

    public enum State {
        PLANNED,
        INJECTED,
        RECOVERED,
        /** Nothing to recover by design (a killed pod is replaced by its controller). */
        NOT_RECOVERABLE,
        RECOVERY_FAILED,
        INJECTION_FAILED,
        SKIPPED;

        /** States that leave the cluster as the fault found it. */
        public boolean settled() {
            return this == RECOVERED || this == NOT_RECOVERABLE || this == SKIPPED || this == INJECTION_FAILED;
        }
    }
}
