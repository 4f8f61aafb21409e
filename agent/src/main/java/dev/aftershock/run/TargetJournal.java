package dev.aftershock.run;

import dev.aftershock.fault.ClusterOps;
import dev.aftershock.fault.Fault;
import dev.aftershock.metrics.AgentMetrics;
import dev.aftershock.selection.Plan;

/**
 * What each step of a target's life leaves behind, in one place: the ledger entry (before the
 * cluster is touched, and after each change), the run's timeline event, a Kubernetes Event on the
 * object (so `kubectl get events` tells the story) and the agent's metrics.
 */
final class TargetJournal {
    private final String runId;
    private final ClusterOps cluster;
    private final RunRecorder recorder;
    private final RollbackLedger ledger;
    private final AgentMetrics metrics;

    TargetJournal(String runId, ClusterOps cluster, RunRecorder recorder, RollbackLedger ledger, AgentMetrics metrics) {
        this.runId = runId;
        this.cluster = cluster;
        this.recorder = recorder;
        this.ledger = ledger;
        this.metrics = metrics;
    }

    /** Actions with nothing to put back are not written: `recover` would have nothing to do. */
    void remember(Plan.PlannedFault f, Plan.Target target, RunRecorder.Target record) {
        if (f.spec().action().recoverable()) {
            ledger.record(new RollbackLedger.Entry(
                    f.spec().name(),
                    f.spec().action().word(),
                    target.kind(),
                    target.namespace(),
                    target.name(),
                    record.lifecycle.ledgerState()));
        }
    }

    void injected(Plan.PlannedFault f, Plan.Target target, RunRecorder.Target record, Fault.Injection injection) {
        remember(f, target, record);
        String action = f.spec().action().word();
        recorder.event(
                "fault",
                injection.succeeded() ? "injected" : "injection-failed",
                target.name(),
                action + " (" + f.spec().name() + "): " + injection.message());
        if (injection.succeeded()) {
            metrics.faultInjected(action);
        }
        event(f, target, ClusterOps.EventReason.AftershockInjected, ": " + injection.message());
    }

    void skipped(Plan.PlannedFault f, Plan.Target target, RunRecorder.Target record, String why) {
        recorder.update(record, r -> r.message = "skipped: " + why);
        recorder.event("fault", "skipped", target.name(), f.spec().name() + ": " + why);
        event(f, target, ClusterOps.EventReason.AftershockSkipped, " skipped: " + why);
    }

    void recovered(Plan.PlannedFault f, Plan.Target target, RunRecorder.Target record, String message) {
        recorder.update(record, r -> r.recoveredAt = recorder.now());
        remember(f, target, record);
        metrics.faultRecovered(f.spec().action().word());
        recorder.event(
                "fault",
                "recovered",
                target.name(),
                f.spec().action().word() + " (" + f.spec().name() + "): " + message);
        event(f, target, ClusterOps.EventReason.AftershockRecovered, " recovered: " + message);
    }

    void recoveryFailed(Plan.PlannedFault f, Plan.Target target, RunRecorder.Target record, String why) {
        recorder.update(record, r -> r.message = "recovery failed: " + why);
        remember(f, target, record);
        recorder.event("fault", "recovery-failed", target.name(), why);
        metrics.faultRecoveryFailed(f.spec().action().word());
        event(f, target, ClusterOps.EventReason.AftershockRecoveryFailed, " could not be recovered: " + why);
    }

    /** "node-drain by run r (fault f) recovered: uncordoned"; an Event that cannot be written is a warning, never a failure. */
    private void event(Plan.PlannedFault f, Plan.Target target, ClusterOps.EventReason reason, String what) {
        String problem = cluster.event(
                target.kind(),
                target.namespace(),
                target.name(),
                reason,
                "%s by run %s (fault %s)%s"
                        .formatted(f.spec().action().word(), runId, f.spec().name(), what));
        if (problem != null) {
            recorder.event("agent", "warning", "", problem);
        }
    }
}
