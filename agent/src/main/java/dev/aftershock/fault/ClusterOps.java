package dev.aftershock.fault;

import dev.aftershock.selection.ClusterSnapshot;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * Every cluster operation a fault (and the run's recovery) may use: one facade, so a new fault adds
 * a method here rather than a field to a context, and unit tests of the decisions around faults can
 * fake it. The kube package implements it against the API server.
 */
public interface ClusterOps {
    /** Takes a node out of scheduling on behalf of {@code holder}; several holders may hold one node. */
    NodeMarks.Held hold(String node, NodeMarks.Holder holder) throws Exception;

    /**
     * Lets go of a node for {@code holder}; the last holder restores the node as the first found it.
     * Retries conflicts and transient failures until the recovery deadline.
     */
    NodeMarks.Released release(String node, NodeMarks.Holder holder) throws Exception;

    /** Every node some run holds, with its holders. */
    List<NodeMarks.HeldNode> heldNodes() throws Exception;

    /** The nodes now, for guards checked at the moment of an injection. */
    List<ClusterSnapshot.NodeView> nodes() throws Exception;

    /** The pods of a namespace now, for pods picked at the moment of an injection. */
    List<ClusterSnapshot.PodView> pods(String namespace) throws Exception;

    /** Deletes exactly the pod with this uid (never a same-named successor). */
    PodDeletion deletePod(String namespace, String name, String uid, Optional<Duration> gracePeriod) throws Exception;

    /**
     * The same call as {@link #deletePod} as a server-side dry run: nothing changes, and the run's
     * first real kill is as fast as the later ones (its path is warm).
     */
    void rehearseDelete(String namespace, String name, String uid, Optional<Duration> gracePeriod) throws Exception;

    /** Evicts exactly the pod with this uid through the Eviction API (PodDisruptionBudgets apply). */
    Eviction evict(String namespace, String name, String uid, Optional<Duration> gracePeriod) throws Exception;

    Optional<String> uidOf(String namespace, String name) throws Exception;

    /**
     * Waits until the pod with this uid no longer exists; false if it still does at the deadline, or
     * once {@code stop} holds (checked every few seconds: a run that is stopping waits no longer).
     */
    boolean awaitGone(String namespace, String name, String uid, Instant deadline, BooleanSupplier stop)
            throws Exception;

    /** A watch over the pods a pod-kill may kill: when each is gone, which replacement is whose. */
    KillWatch watchKills(String namespace, Map<String, String> selector) throws Exception;

    /** A watch over a namespace's EndpointSlices: which pods are in a Service's rotation. */
    RotationWatch watchRotation(String namespace) throws Exception;

    /** A Kubernetes Event on the object; null, or why it could not be written (never fails the run). */
    String event(String kind, String namespace, String name, EventReason reason, String message);

    enum EventReason {
        AftershockInjected,
        AftershockRecovered,
        AftershockRecoveryFailed,
        AftershockSkipped
    }

    sealed interface PodDeletion {}

    /** The pod is terminating and has {@code graceSeconds} to exit (-1: unknown, the pod's own). */
    record Terminating(long graceSeconds) implements PodDeletion {}

    record AlreadyGone() implements PodDeletion, Eviction {}

    sealed interface Eviction {}

    /** The eviction was accepted; the pod is now terminating. */
    record Evicted() implements Eviction {}

    /** HTTP 429: a PodDisruptionBudget does not allow this eviction now. */
    record BlockedByBudget(String reason) implements Eviction {}

    record EvictionFailed(int httpStatus, String reason) implements Eviction {}

    /** See {@link ClusterOps#watchKills}. */
    interface KillWatch extends AutoCloseable {
        /** False when the pods could not be listed in time: the times below are then measured only once they are. */
        boolean listed();

        Optional<Instant> awaitGone(String uid, Instant deadline) throws InterruptedException;

        /** The first replacement created after the kill that no earlier kill claimed, once Ready. */
        Optional<Instant> claim(Instant killedAt, Instant deadline) throws InterruptedException;

        @Override
        void close();
    }

    /** See {@link ClusterOps#watchRotation}. */
    interface RotationWatch extends AutoCloseable {
        boolean listed();

        boolean inRotation(String uid);

        Optional<Instant> awaitLeftRotation(String uid, Instant since, Instant deadline) throws InterruptedException;

        @Override
        void close();
    }
}
