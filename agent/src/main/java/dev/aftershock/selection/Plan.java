package dev.aftershock.selection;

import dev.aftershock.model.FaultSpec;
import java.time.Duration;
import java.util.List;

/**
 * What a run will do: each fault with its resolved targets, what the planner warns about, and the
 * guards that refuse the run. A plan with refusals is never executed.
 */
public record Plan(long seed, List<PlannedFault> faults, List<String> warnings, List<String> refusals) {
    public Plan {
        faults = List.copyOf(faults);
        warnings = List.copyOf(warnings);
        refusals = List.copyOf(refusals);
    }

    /** A fault and its targets; {@code end} is when it is recovered on the run's clock. */
    public record PlannedFault(FaultSpec spec, List<Target> targets, Duration start, Duration end) {
        public PlannedFault {
            targets = List.copyOf(targets);
        }
    }

    public sealed interface Target {
        String kind();

        String namespace();

        String name();
    }

    /** A node to cordon or drain; for a drain, the pods it will evict. */
    public record NodeTarget(String name, List<PodRef> toEvict) implements Target {
        public NodeTarget {
            toEvict = List.copyOf(toEvict);
        }

        @Override
        public String kind() {
            return "Node";
        }

        @Override
        public String namespace() {
            return null;
        }
    }

    /** A pod to kill; its uid pins the deletion to this very pod, not a same-named successor. */
    public record PodTarget(String namespace, String name, String uid) implements Target {
        @Override
        public String kind() {
            return "Pod";
        }
    }

    /** The experiment's target workload: {@code kind} Deployment or StatefulSet. */
    public record WorkloadTarget(String namespace, String kind, String name) implements Target {}

    /** A pod to evict; its uid pins the eviction to this very pod. */
    public record PodRef(String namespace, String name, String uid) {}
}
