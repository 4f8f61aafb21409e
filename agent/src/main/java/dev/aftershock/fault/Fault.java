package dev.aftershock.fault;

import dev.aftershock.journal.Measurement;
import dev.aftershock.selection.Plan;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

/** A fault action on one target. Recovery must be idempotent: it may run again after a crash. */
public interface Fault {
    /**
     * Runs before the timeline starts, so that what the fault needs (its watches) is ready when its
     * `at` comes and the first injection is as fast as the later ones.
     */
    default void prepare(List<Plan.Target> planned, FaultContext context) throws Exception {}

    Injection inject(Plan.Target target, FaultContext context) throws Exception;

    Recovery recover(Plan.Target target, FaultContext context) throws Exception;

    /**
     * What an injection did. {@code needsRecovery}: the cluster was changed and must be put back
     * (even when the injection failed half-way, as a drain that timed out). {@code followUp} measures
     * what happens next (a replacement pod getting Ready) without holding up the timeline.
     * {@code effective}: when the fault took effect, for the injection latency.
     */
    record Injection(
            boolean succeeded,
            boolean needsRecovery,
            String message,
            List<Measurement> measurements,
            Optional<Callable<List<Measurement>>> followUp,
            Instant effective) {
        public static Injection done(boolean needsRecovery, String message, List<Measurement> measurements) {
            return new Injection(true, needsRecovery, message, measurements, Optional.empty(), Instant.now());
        }

        public static Injection failed(boolean needsRecovery, String message, List<Measurement> measurements) {
            return new Injection(false, needsRecovery, message, measurements, Optional.empty(), Instant.now());
        }

        /** The same, saying when the fault took effect (a drain: when the cordon landed, not when the last pod left). */
        public Injection effectiveAt(Instant when) {
            return new Injection(succeeded, needsRecovery, message, measurements, followUp, when);
        }
    }

    record Recovery(boolean succeeded, String message) {}
}
