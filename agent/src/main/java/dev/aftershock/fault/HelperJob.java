package dev.aftershock.fault;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a node helper pod is asked to do for one target pod: {@code mode} {@code inject} installs
 * its rule and holds it until told to stop (or until {@code lifetime} ends: the kubelet then stops
 * it, and it reverts), {@code unblock} removes what an earlier helper of the same fault left. The
 * kube package turns it into a pod on {@code node}; {@code env} is the rule the helper script reads.
 */
public record HelperJob(
        String run,
        String fault,
        String action,
        Mode mode,
        String targetNamespace,
        String targetPod,
        String targetUid,
        String node,
        Map<String, String> env,
        Duration lifetime) {
    public HelperJob {
        env = Map.copyOf(env);
    }

    /**
     * What the helper pod runs: an init container's step whose end says when the fault took effect
     * (none for an unblock), then its main container; and the only capabilities it needs.
     */
    public enum Mode {
        /** Installs a rule, then holds it until SIGTERM and removes it. */
        INJECT(Optional.of("inject"), "hold", List.of("NET_ADMIN", "SYS_ADMIN", "SYS_PTRACE"), Trait.MAIN_ACTS),
        /** Removes what an earlier helper of the same fault left. */
        UNBLOCK(Optional.empty(), "unblock", List.of("NET_ADMIN", "SYS_ADMIN", "SYS_PTRACE")),
        /** Signals a container's main process, then says when it exited. */
        SIGNAL(Optional.of("signal"), "await-exit", List.of("KILL"), Trait.PASSES_STATE, Trait.NOTHING_ONCE_GONE),
        /**
         * Checks that a container can be OOM-killed from its memory cgroup, then grows that cgroup's
         * memory until it is, and lets it go (mounts: a tmpfs, the node's memory cgroups). Guaranteed,
         * so that its oom_score_adj is the lowest the node gives and the OOM killer passes it over.
         */
        GROW(
                Optional.of("memory-check"),
                "grow",
                List.of("SYS_ADMIN"),
                Trait.MAIN_ACTS,
                Trait.NOTHING_ONCE_GONE,
                Trait.GUARANTEED),
        /**
         * A memory hog on a node (no privilege at all): fills a memory-backed emptyDir of its own to
         * {@link #HOG_BYTES}, then holds it until SIGTERM and lets it go. Guaranteed, with its
         * request the size of what it holds, so that the kubelet evicts other pods before it.
         */
        HOG(
                Optional.of("fill"),
                "hold-memory",
                List.of(),
                Trait.MAIN_ACTS,
                Trait.NOTHING_ONCE_GONE,
                Trait.GUARANTEED,
                Trait.ON_NODE,
                Trait.UNPRIVILEGED,
                Trait.HOLDS_MEMORY);

        /** The hog's size in bytes, in its job's environment: its memory request and limit follow from it. */
        public static final String HOG_BYTES = "AFTERSHOCK_FILL_BYTES";

        /** What the hog's own processes (dash, dd) need besides the memory it holds: its request adds it. */
        public static final long HOG_OWN_BYTES = 64L << 20;

        /** What sets a mode apart, each said by name where the mode is declared. */
        private enum Trait {
            /** See {@link Mode#passesState()}. */
            PASSES_STATE,
            /** See {@link Mode#mainActs()}. */
            MAIN_ACTS,
            /** See {@link Mode#nothingOnceGone()}. */
            NOTHING_ONCE_GONE,
            /** See {@link Mode#guaranteed()}. */
            GUARANTEED,
            /** See {@link Mode#onNode()}. */
            ON_NODE,
            /** See {@link Mode#unprivileged()}. */
            UNPRIVILEGED,
            /** See {@link Mode#holdsMemory()}. */
            HOLDS_MEMORY
        }

        private final Optional<String> firstStep;
        private final String main;
        private final List<String> capabilities;
        private final java.util.Set<Trait> traits;

        Mode(Optional<String> firstStep, String main, List<String> capabilities, Trait... traits) {
            this.firstStep = firstStep;
            this.main = main;
            this.capabilities = capabilities;
            this.traits = java.util.Set.of(traits);
        }

        /** Acts on its node as a whole (the hog), not on one pod: the run's target is the node. */
        public boolean onNode() {
            return traits.contains(Trait.ON_NODE);
        }

        /** Holds memory in a memory-backed emptyDir of its own, its size in {@link #HOG_BYTES}. */
        public boolean holdsMemory() {
            return traits.contains(Trait.HOLDS_MEMORY);
        }

        /** Neither root, nor a capability, nor the node's processes: the hog holds memory, nothing else. */
        public boolean unprivileged() {
            return traits.contains(Trait.UNPRIVILEGED);
        }

        /** Requests equal to limits (CPU too): the Guaranteed QoS class and its low oom_score_adj. */
        public boolean guaranteed() {
            return traits.contains(Trait.GUARANTEED);
        }

        /**
         * The main container holds (or makes) the fault and ends it on SIGTERM: it must be running
         * before the fault counts as injected, or a recovery could find no one to ask.
         */
        public boolean mainActs() {
            return traits.contains(Trait.MAIN_ACTS);
        }

        /**
         * What it did goes with the helper's own processes (a signal sent, memory in its own tmpfs):
         * a helper that does not say its last in time may simply be deleted.
         */
        public boolean nothingOnceGone() {
            return traits.contains(Trait.NOTHING_ONCE_GONE);
        }

        /**
         * Whether the first step leaves the main container something (the process it signalled) in
         * a shared scratch volume; only then does the pod get one (mounting it slows the pod's start).
         */
        public boolean passesState() {
            return traits.contains(Trait.PASSES_STATE);
        }

        public Optional<String> firstStep() {
            return firstStep;
        }

        public String main() {
            return main;
        }

        public List<String> capabilities() {
            return capabilities;
        }

        public String word() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** How every helper pod's name begins (its generateName). */
    public static final String POD_NAME_PREFIX = "aftershock-helper-";

    /** The comment on every rule the helpers of this fault install, so that any of them can remove them. */
    public String tag() {
        return tag(run, fault);
    }

    public static String tag(String run, String fault) {
        return "aftershock " + run + "/" + fault;
    }

    /** The same target and rule, to remove what a helper that did not revert left. */
    public HelperJob unblocking() {
        return new HelperJob(
                run,
                fault,
                action,
                Mode.UNBLOCK,
                targetNamespace,
                targetPod,
                targetUid,
                node,
                env,
                Duration.ofMinutes(2));
    }
}
