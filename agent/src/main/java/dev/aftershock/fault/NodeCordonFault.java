package dev.aftershock.fault;

import dev.aftershock.model.FaultSpec;
import dev.aftershock.selection.Plan;
import java.util.List;

/** Marks a node unschedulable; recovery restores exactly the state it found. */
public final class NodeCordonFault implements Fault {
    private final FaultSpec spec;

    public NodeCordonFault(FaultSpec spec) {
        this.spec = spec;
    }

    @Override
    public Injection inject(Plan.Target target, FaultContext context) throws Exception {
        var cordoned = context.nodes().cordon(target.name(), context.runId(), spec.name());
        return Injection.done(true, cordoned.wasUnschedulable() ? "was already unschedulable" : "cordoned", List.of());
    }

    @Override
    public Recovery recover(Plan.Target target, FaultContext context) throws Exception {
        boolean restored = context.nodes().uncordon(target.name(), context.runId());
        return new Recovery(true, restored ? "uncordoned" : "nothing to restore (not marked by this run)");
    }
}
