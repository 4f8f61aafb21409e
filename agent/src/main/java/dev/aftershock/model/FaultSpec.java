package dev.aftershock.model;

import java.time.Duration;
import java.util.Optional;

/**
 * One entry of the fault timeline as written. The engine resolves its targets and hands each one to
 * the fault implementation of the same action.
 */
public sealed interface FaultSpec {
    /** The name given in the file, or {@code <action>-<index>} when none was given. */
    String name();

    Duration at();

    Action action();

    /** How long the fault stays before it is recovered; empty = until the end of the run. */
    default Optional<Duration> holdFor() {
        return Optional.empty();
    }

    /** For faults on pods: which pods. Picked again at the moment of injection, with the run's seed. */
    default Optional<PodSelection> podSelection() {
        return Optional.empty();
    }

    /** Whether pods no controller manages may be targets (they would be gone for good). */
    default boolean force() {
        return false;
    }

    /** The pause between targets when they are taken one at a time; empty = all targets at once. */
    default Optional<Duration> oneAtATime() {
        return Optional.empty();
    }

    /**
     * Whether a target that cannot be injected (gone, forbidden) still lets the run pass. Default no:
     * a run whose faults did not happen did not test anything.
     */
    default boolean missingTargetsAllowed() {
        return false;
    }

    /** Whether a fault acts on nodes or on pods: what the planner picks for it. */
    enum Targets {
        NODES,
        PODS,
        /** The experiment's target workload itself. */
        WORKLOAD
    }

    /**
     * Each action declares what it is, so the planner, the guards and the engine ask the action rather
     * than test for classes: a new node fault that takes nodes out of service is guarded by saying so
     * here, not by finding every place that lists node faults.
     */
    enum Action {
        NODE_CORDON("node-cordon", Targets.NODES, true, false, true),
        NODE_DRAIN("node-drain", Targets.NODES, true, true, true),
        POD_KILL("pod-kill", Targets.PODS, false, true, false),
        PROBE_FAILURE("probe-failure", Targets.PODS, false, true, true),
        CONTAINER_SIGNAL("container-signal", Targets.PODS, false, true, false),
        /** Its helper holds memory in the container's cgroup until the kill, or until recovery lets it go. */
        MEMORY_OOM("memory-oom", Targets.PODS, false, true, true),
        /** The kubelet taints a node under memory pressure and evicts its pods: out of service while held. */
        NODE_MEMORY_PRESSURE("node-memory-pressure", Targets.NODES, true, true, true),
        /** Its pods go down as the workload's own rollout strategy allows: the controller's guard, not ours. */
        ROLLOUT_RESTART("rollout-restart", Targets.WORKLOAD, false, false, false);

        private final String word;
        private final Targets targets;
        private final boolean takesNodeOutOfService;
        private final boolean takesPodsDown;
        private final boolean recoverable;

        Action(
                String word,
                Targets targets,
                boolean takesNodeOutOfService,
                boolean takesPodsDown,
                boolean recoverable) {
            this.word = word;
            this.targets = targets;
            this.takesNodeOutOfService = takesNodeOutOfService;
            this.takesPodsDown = takesPodsDown;
            this.recoverable = recoverable;
        }

        /** Takes its pods (a pod target, or the pods on a node target) down: counts against maxUnavailable. */
        public boolean takesPodsDown() {
            return takesPodsDown;
        }

        public String word() {
            return word;
        }

        public Targets targets() {
            return targets;
        }

        /** Counts against {@code keepSchedulableNodes} while active. */
        public boolean takesNodeOutOfService() {
            return takesNodeOutOfService;
        }

        /** Whether the action changes something that must be put back (a killed pod is replaced, not restored). */
        public boolean recoverable() {
            return recoverable;
        }

        public static Optional<Action> fromWord(String word) {
            for (Action a : values()) {
                if (a.word.equals(word)) {
                    return Optional.of(a);
                }
            }
            return Optional.empty();
        }
    }

    record NodeCordon(String name, Duration at, Optional<Duration> holdFor, NodeSelection nodes) implements FaultSpec {
        @Override
        public Action action() {
            return Action.NODE_CORDON;
        }
    }

    record NodeDrain(
            String name,
            Duration at,
            Optional<Duration> holdFor,
            NodeSelection nodes,
            Duration evictionTimeout,
            Optional<Duration> gracePeriod,
            boolean force,
            boolean deleteEmptyDirData,
            int concurrency)
            implements FaultSpec {
        public static final Duration DEFAULT_EVICTION_TIMEOUT = Duration.ofMinutes(5);
        public static final int DEFAULT_CONCURRENCY = 10;

        @Override
        public Action action() {
            return Action.NODE_DRAIN;
        }
    }

    /**
     * Deletes pods. {@code gracePeriod} empty means the pod's own terminationGracePeriodSeconds; force
     * means zero. {@code interval} spaces the kills one at a time.
     */
    record PodKill(
            String name,
            Duration at,
            PodSelection pods,
            Optional<Duration> gracePeriod,
            boolean force,
            Optional<Duration> interval)
            implements FaultSpec {
        @Override
        public Action action() {
            return Action.POD_KILL;
        }

        @Override
        public Optional<Duration> oneAtATime() {
            return interval;
        }

        @Override
        public Optional<PodSelection> podSelection() {
            return Optional.of(pods);
        }

        /** The grace period the API call carries; empty = let the pod's own setting apply. */
        public Optional<Duration> effectiveGracePeriod() {
            return force ? Optional.of(Duration.ZERO) : gracePeriod;
        }
    }

    /** Which of a container's probes a probe-failure makes fail. */
    enum Probe {
        READINESS("readiness"),
        LIVENESS("liveness"),
        STARTUP("startup");

        private final String word;

        Probe(String word) {
            this.word = word;
        }

        public String word() {
            return word;
        }

        public static Optional<Probe> fromWord(String word) {
            for (Probe p : values()) {
                if (p.word.equals(word)) {
                    return Optional.of(p);
                }
            }
            return Optional.empty();
        }
    }

    /**
     * Makes the kubelet's probes of one container fail for {@code holdFor} (empty: until the end of
     * the run), while other traffic to the same port still flows; the pod spec is never changed.
     * {@code container} empty: the pod's only container with that probe.
     */
    record ProbeFailure(
            String name,
            Duration at,
            Optional<Duration> holdFor,
            PodSelection pods,
            Probe probe,
            Optional<String> container)
            implements FaultSpec {
        @Override
        public Action action() {
            return Action.PROBE_FAILURE;
        }

        @Override
        public Optional<PodSelection> podSelection() {
            return Optional.of(pods);
        }

        /** A pod whose probe fails is restarted or taken out of rotation, never lost: any pod may be picked. */
        @Override
        public boolean force() {
            return true;
        }
    }

    /** The signals a container-signal sends (their names as kill takes them: TERM, KILL, INT, HUP). */
    enum Signal {
        SIGTERM(15),
        SIGKILL(9),
        SIGINT(2),
        SIGHUP(1);

        private final int number;

        Signal(int number) {
            this.number = number;
        }

        public String shortName() {
            return name().substring(3);
        }

        /** As Linux numbers it (the same on every architecture Kubernetes runs on). */
        public int number() {
            return number;
        }

        public static Optional<Signal> fromWord(String word) {
            for (Signal s : values()) {
                if (s.name().equals(word)) {
                    return Optional.of(s);
                }
            }
            return Optional.empty();
        }
    }

    /**
     * Sends a signal to a container's main process directly, through a node helper: the pod is not
     * deleted, so the process gets it while it is still an endpoint (as in a node shutdown or a
     * runtime restart). {@code container} empty: the pod's only container. Nothing to recover: the
     * kubelet restarts what exits.
     */
    record ContainerSignal(String name, Duration at, PodSelection pods, Optional<String> container, Signal signal)
            implements FaultSpec {
        @Override
        public Action action() {
            return Action.CONTAINER_SIGNAL;
        }

        @Override
        public Optional<PodSelection> podSelection() {
            return Optional.of(pods);
        }
    }

    /**
     * Grows the memory of a container's own memory cgroup at {@code bytesPerSecond}, through a node
     * helper, until the kernel's OOM killer kills the container's process, as a leak would; for at
     * most {@code holdFor} (empty: until the end of the run). {@code container} empty: the pod's only
     * container. A container without a memory limit is refused unless {@code growIntoNodeMemory}: its
     * cgroup then fills the node's memory for pods, which makes it a node fault.
     */
    record MemoryOom(
            String name,
            Duration at,
            Optional<Duration> holdFor,
            PodSelection pods,
            Optional<String> container,
            long bytesPerSecond,
            boolean growIntoNodeMemory)
            implements FaultSpec {
        public static final long DEFAULT_RATE = 64L << 20;

        @Override
        public Action action() {
            return Action.MEMORY_OOM;
        }

        @Override
        public Optional<PodSelection> podSelection() {
            return Optional.of(pods);
        }

        /** An OOM-killed container is restarted in its pod, never lost: any pod may be picked. */
        @Override
        public boolean force() {
            return true;
        }
    }

    /**
     * Fills a node's memory for pods with an unprivileged hog pod pinned to it, until the kubelet
     * reports MemoryPressure and evicts pods to reclaim it; for {@code holdFor} (empty: until the
     * end of the run). The hog grows at {@code bytesPerSecond} until the node's pods use
     * {@code fill} of its allocatable memory: the kubelet evicts once they use more than all of it
     * (allocatable is what is left for pods after reservations and the hard eviction threshold), so
     * pressure needs more than 100 %. It runs in {@code hogNamespace} (the target's) unless the run
     * names a helper namespace.
     */
    record NodeMemoryPressure(
            String name,
            Duration at,
            Optional<Duration> holdFor,
            NodeSelection nodes,
            Percent fill,
            long bytesPerSecond,
            String hogNamespace)
            implements FaultSpec {
        @Override
        public Action action() {
            return Action.NODE_MEMORY_PRESSURE;
        }
    }

    /**
     * Restarts the target workload's pods the way {@code kubectl rollout restart} does (a
     * {@code kubectl.kubernetes.io/restartedAt} annotation on its pod template), and follows the
     * rollout to its end. Nothing to recover: the new pods are the workload as it was.
     */
    record RolloutRestart(String name, Duration at) implements FaultSpec {
        @Override
        public Action action() {
            return Action.ROLLOUT_RESTART;
        }
    }
}
