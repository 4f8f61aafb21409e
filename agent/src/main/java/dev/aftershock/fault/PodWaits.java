package dev.aftershock.fault;

import dev.aftershock.journal.Measurement;
import dev.aftershock.selection.ClusterSnapshot;
import dev.aftershock.selection.Plan;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Predicate;

/** What faults acting on a pod's containers wait for, and how they turn a wait into a measurement. */
public final class PodWaits {
    private static final Duration POLL = Duration.ofMillis(50);

    private PodWaits() {}

    /**
     * Polls the namespace's watched state (in memory) until the pod's status satisfies {@code until};
     * empty at the deadline, or once the pod is gone.
     */
    static Optional<Instant> awaitStatus(
            FaultContext context, Plan.PodTarget pod, Predicate<ClusterOps.PodStatusNow> until, Instant deadline)
            throws Exception {
        while (Instant.now().isBefore(deadline)) {
            Optional<ClusterOps.PodStatusNow> now = context.cluster().podStatus(pod.namespace(), pod.uid());
            if (now.isEmpty()) {
                return Optional.empty();
            }
            if (until.test(now.get())) {
                return Optional.of(Instant.now());
            }
            Thread.sleep(POLL.toMillis());
        }
        return Optional.empty();
    }

    /** The pod with this uid as the namespace's watch has it now, if it still exists. */
    static Optional<ClusterSnapshot.PodView> view(FaultContext context, Plan.PodTarget pod) throws Exception {
        return context.cluster().pods(pod.namespace()).stream()
                .filter(p -> p.uid().equals(pod.uid()))
                .findFirst();
    }

    /** The container a fault names, or the pod's only one when it names none; empty when that is not one. */
    static Optional<ClusterSnapshot.ContainerView> container(Optional<String> named, ClusterSnapshot.PodView view) {
        return named.isPresent()
                ? view.containers().stream()
                        .filter(c -> c.name().equals(named.get()))
                        .findFirst()
                : view.containers().size() == 1 ? Optional.of(view.containers().get(0)) : Optional.empty();
    }

    /** A node's time kept within what the agent saw ({@code from} to {@code to}): the clocks may differ a little. */
    public static Instant within(Instant t, Instant from, Instant to) {
        return t.isBefore(from) ? from : t.isAfter(to) ? to : t;
    }

    /** From {@code from} to {@code when} in ms (never below 0: two clocks meet here); NaN when it did not happen. */
    static Measurement after(String what, Instant from, Optional<Instant> when) {
        return new Measurement(
                what,
                when.map(w -> (double) Math.max(0, Duration.between(from, w).toMillis()))
                        .orElse(Double.NaN),
                "ms");
    }
}
