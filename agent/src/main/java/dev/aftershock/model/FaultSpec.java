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

    enum Action {
        NODE_CORDON("node-cordon"),
        NODE_DRAIN("node-drain"),
        POD_KILL("pod-kill");

        private final String word;

        Action(String word) {
            this.word = word;
        }

        public String word() {
            return word;
        }

        /** Whether the action changes something that must be put back (a killed pod is replaced, not restored). */
        public boolean recoverable() {
            return this != POD_KILL;
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

        /** The grace period the API call carries; empty = let the pod's own setting apply. */
        public Optional<Duration> effectiveGracePeriod() {
            return force ? Optional.of(Duration.ZERO) : gracePeriod;
        }
    }
}
