package dev.aftershock.fault;

import dev.aftershock.model.FaultSpec;
import dev.aftershock.model.FaultSpec.Action;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The one place a fault action meets its implementation: how to make it for a fault of the
 * experiment, and how to find and undo what it left behind. What an action is (node or pod, takes a
 * node out of service, recoverable, one at a time) it declares itself, on {@link Action}. A test
 * checks that the schema, the binder and this registry list the same actions.
 */
public final class FaultRegistry {
    /**
     * {@code helper}: the node helper mode the fault acts through, if it needs one (a privileged
     * pod: refused at plan time when helpers are off or their namespace would refuse that pod).
     */
    public record Entry(Function<FaultSpec, Fault> create, Leftovers leftovers, Optional<HelperJob.Mode> helper) {
        Entry(Function<FaultSpec, Fault> create, Leftovers leftovers) {
            this(create, leftovers, Optional.empty());
        }
    }

    private static final Map<Action, Entry> ENTRIES = new EnumMap<>(Map.of(
            Action.NODE_CORDON,
            new Entry(NodeCordonFault::new, new NodeHolds(Action.NODE_CORDON.word())),
            Action.NODE_DRAIN,
            new Entry(spec -> new NodeDrainFault((FaultSpec.NodeDrain) spec), new NodeHolds(Action.NODE_DRAIN.word())),
            Action.POD_KILL,
            new Entry(spec -> new PodKillFault((FaultSpec.PodKill) spec), Leftovers.NONE),
            Action.PROBE_FAILURE,
            new Entry(
                    spec -> new ProbeFailureFault((FaultSpec.ProbeFailure) spec),
                    new HelperLeftovers(Action.PROBE_FAILURE.word(), true),
                    Optional.of(HelperJob.Mode.INJECT)),
            Action.CONTAINER_SIGNAL,
            new Entry(
                    spec -> new ContainerSignalFault((FaultSpec.ContainerSignal) spec),
                    new HelperLeftovers(Action.CONTAINER_SIGNAL.word(), false),
                    Optional.of(HelperJob.Mode.SIGNAL)),
            Action.MEMORY_OOM,
            new Entry(
                    spec -> new MemoryOomFault((FaultSpec.MemoryOom) spec),
                    new HelperLeftovers(Action.MEMORY_OOM.word(), false),
                    Optional.of(HelperJob.Mode.GROW)),
            Action.NODE_MEMORY_PRESSURE,
            new Entry(
                    spec -> new NodeMemoryPressureFault((FaultSpec.NodeMemoryPressure) spec),
                    new HelperLeftovers(Action.NODE_MEMORY_PRESSURE.word(), false),
                    Optional.of(HelperJob.Mode.HOG)),
            Action.ROLLOUT_RESTART,
            new Entry(spec -> new RolloutRestartFault((FaultSpec.RolloutRestart) spec), Leftovers.NONE)));

    private FaultRegistry() {}

    public static Fault create(FaultSpec spec) {
        return entry(spec.action()).create().apply(spec);
    }

    public static Entry entry(Action action) {
        Entry e = ENTRIES.get(action);
        if (e == null) {
            throw new IllegalStateException("no fault implementation is registered for " + action.word());
        }
        return e;
    }

    public static Map<Action, Entry> entries() {
        return Map.copyOf(ENTRIES);
    }
}
