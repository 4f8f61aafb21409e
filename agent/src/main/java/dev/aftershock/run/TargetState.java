package dev.aftershock.run;

import dev.aftershock.journal.TargetRecord;

/**
 * One target's life in a run, where the timeline, a fault's `for`, an abort and a signal may all
 * reach for it at once. The rules that keep the cluster safe live here, not in the callers:
 * a target is injected at most once, never after the run began stopping; a recovery asked for while
 * the injection is still under way happens as soon as it returns (by the injecting thread); a target
 * that was recovered never flips back to injected; an injection that failed half-way is recovered.
 */
final class TargetState {
    enum Phase {
        PLANNED,
        INJECTING,
        INJECTED,
        NOT_RECOVERABLE,
        INJECTION_FAILED,
        SKIPPED,
        RECOVERING,
        RECOVERED,
        RECOVERY_FAILED
    }

    private Phase phase = Phase.PLANNED;
    /** The cluster was (or may have been) changed and must be put back. */
    private boolean mustRecover;
    /** Recovery was asked for while the injection was under way. */
    private boolean recoveryWanted;
    /** A failed injection is being undone: once undone it stays a failed injection, not a recovered one. */
    private boolean recoveringAFailedInjection;

    synchronized Phase phase() {
        return phase;
    }

    /** PLANNED to INJECTING; false when the target was already handled or the run is stopping. */
    synchronized boolean beginInjection(boolean runStopping) {
        if (phase != Phase.PLANNED || runStopping || recoveryWanted) {
            return false;
        }
        phase = Phase.INJECTING;
        return true;
    }

    /** A guard said no at the moment of injection (or the run stopped before this target's turn). */
    synchronized boolean skip() {
        if (phase != Phase.PLANNED && phase != Phase.INJECTING) {
            return false;
        }
        phase = Phase.SKIPPED;
        notifyAll();
        return true;
    }

    /**
     * The injection returned (or threw: {@code succeeded} false, {@code changedCluster} true, since
     * it may have half-happened). True: the caller must recover now.
     */
    synchronized boolean endInjection(boolean succeeded, boolean changedCluster) {
        if (phase != Phase.INJECTING) {
            throw new IllegalStateException("endInjection in phase " + phase);
        }
        mustRecover = changedCluster;
        phase = !succeeded ? Phase.INJECTION_FAILED : changedCluster ? Phase.INJECTED : Phase.NOT_RECOVERABLE;
        notifyAll();
        return changedCluster && (recoveryWanted || !succeeded);
    }

    /**
     * True: the caller recovers now. False: nothing to recover, already recovered or recovering, or
     * the injection is still under way (it recovers when it returns).
     */
    synchronized boolean beginRecovery() {
        if (phase == Phase.INJECTING) {
            recoveryWanted = true;
            return false;
        }
        if (phase == Phase.PLANNED) {
            // Never injected: nothing to put back, and it must not be injected after this.
            recoveryWanted = true;
            return false;
        }
        if (!mustRecover || phase == Phase.RECOVERING) {
            return false;
        }
        if (phase != Phase.INJECTED && phase != Phase.INJECTION_FAILED) {
            return false;
        }
        recoveringAFailedInjection = phase == Phase.INJECTION_FAILED;
        phase = Phase.RECOVERING;
        return true;
    }

    synchronized void endRecovery(boolean succeeded) {
        if (phase != Phase.RECOVERING) {
            throw new IllegalStateException("endRecovery in phase " + phase);
        }
        if (succeeded) {
            mustRecover = false;
            phase = recoveringAFailedInjection ? Phase.INJECTION_FAILED : Phase.RECOVERED;
        } else {
            phase = Phase.RECOVERY_FAILED;
        }
        notifyAll();
    }

    /**
     * Waits until no thread is injecting or recovering this target (at most {@code limit}): a run that
     * ends or is interrupted reports what really became of it, and lets no injection run on unseen.
     */
    synchronized boolean awaitSettled(java.time.Duration limit) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (phase == Phase.INJECTING || phase == Phase.RECOVERING) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            wait(Math.max(1, left / 1_000_000));
        }
        return true;
    }

    /** Whether the cluster still carries this target's change. */
    synchronized boolean unrecovered() {
        return mustRecover;
    }

    /** How the journal names the phase; transient phases are reported as where they come from. */
    synchronized TargetRecord.State journalState() {
        return switch (phase) {
            case PLANNED, INJECTING -> TargetRecord.State.PLANNED;
            case INJECTED, RECOVERING -> TargetRecord.State.INJECTED;
            case NOT_RECOVERABLE -> TargetRecord.State.NOT_RECOVERABLE;
            case INJECTION_FAILED -> TargetRecord.State.INJECTION_FAILED;
            case SKIPPED -> TargetRecord.State.SKIPPED;
            case RECOVERED -> TargetRecord.State.RECOVERED;
            case RECOVERY_FAILED -> TargetRecord.State.RECOVERY_FAILED;
        };
    }

    /** What the ledger writes: a state `recover` can act on. */
    synchronized String ledgerState() {
        return switch (phase) {
            case PLANNED, INJECTING -> "planned";
            case INJECTED, RECOVERING -> "injected";
            case NOT_RECOVERABLE -> "not-recoverable";
            case INJECTION_FAILED -> mustRecover ? "injected" : "injection-failed";
            case SKIPPED -> "skipped";
            case RECOVERED -> "recovered";
            case RECOVERY_FAILED -> "recovery-failed";
        };
    }
}
