package dev.aftershock.fault;

import dev.aftershock.model.FaultSpec;
import dev.aftershock.selection.Plan;
import java.util.List;

/** Holds a node out of scheduling; recovery lets go, and the last holder restores the node as it was. */
public final class NodeCordonFault implements Fault {
    private final FaultSpec spec;

    public NodeCordonFault(FaultSpec spec) {
        this.spec = spec;
    }

    @Override
    public Injection inject(Plan.Target target, FaultContext context) throws Exception {
        NodeMarks.Held held = context.cluster().hold(target.name(), holder(context));
        String message = held.alreadyHeld()
                ? "cordoned (already held by another fault)"
                : held.wasUnschedulable() ? "was already unschedulable" : "cordoned";
        return Injection.done(true, message, List.of());
    }

    @Override
    public Recovery recover(Plan.Target target, FaultContext context) throws Exception {
        return new Recovery(true, NodeHolds.describe(context.cluster().release(target.name(), holder(context))));
    }

    private NodeMarks.Holder holder(FaultContext context) {
        return new NodeMarks.Holder(context.runId(), spec.name(), spec.action().word());
    }
}
