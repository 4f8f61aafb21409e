package dev.aftershock.run;

import dev.aftershock.model.FaultSpec;
import dev.aftershock.selection.Plan;
import java.util.HashSet;
import java.util.Set;

/**
 * What this run has taken down and the watched state may not show yet: nodes taken out of service
 * (until recovered) and pods taken down (by uid: a StatefulSet's successor has the same name but not
 * the same uid). The guards count them with what they see, so targets injected at the same moment,
 * or faster than a watch reports, never add up past a guard. Guarded by the caller's lock on it.
 */
final class PendingTargets {
    private final Set<String> nodes = new HashSet<>();
    private final Set<String> podUids = new HashSet<>();

    synchronized void claim(FaultSpec.Action action, Plan.Target target, Set<String> podsGoingDown) {
        if (action.takesNodeOutOfService() && target instanceof Plan.NodeTarget) {
            nodes.add(target.name());
        }
        podUids.addAll(podsGoingDown);
    }

    synchronized void release(Plan.Target target) {
        if (target instanceof Plan.NodeTarget) {
            nodes.remove(target.name());
        }
    }

    synchronized Set<String> nodes() {
        return Set.copyOf(nodes);
    }

    /**
     * A read-only view, not a copy: it grows with every pod a run kills and is read at each injection,
     * under the caller's lock on this.
     */
    synchronized Set<String> podUids() {
        return java.util.Collections.unmodifiableSet(podUids);
    }
}
