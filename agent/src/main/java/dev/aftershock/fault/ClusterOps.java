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

    /**
     * Starts a node helper pod for {@code job} and waits, until the deadline, for its first step: an
     * injection that took effect (or why it did not), or an unblock's outcome.
     */
    HelperStarted startHelper(HelperJob job, Instant deadline) throws Exception;

    /**
     * Tells a helper to revert now (it reverts on the SIGTERM the kubelet then sends), waits until the
     * deadline for its word, and deletes it.
     */
    HelperEnded endHelper(String namespace, String pod, Instant deadline) throws Exception;

    /**
     * Restarts a workload's pods as {@code kubectl rollout restart} does, stamped {@code at}; the
     * generation its controller must reach.
     */
    long restartRollout(String namespace, String kind, String name, Instant at) throws Exception;

    /** When the rollout to {@code generation} was over, as {@code kubectl rollout status} judges; empty at the deadline. */
    Optional<Instant> awaitRollout(String namespace, String kind, String name, long generation, Instant deadline)
            throws Exception;

    /** Waits until the helper ended by itself (without asking it to); empty at the deadline. */
    Optional<HelperEnded> awaitHelper(String namespace, String pod, Instant deadline) throws Exception;

    /** Every node helper pod there is (in the helper namespace when that is all the agent may list). */
    List<HelperPod> helperPods() throws Exception;

    /** Why the cluster would refuse this helper (off, or its namespace's Pod Security), by a server-side dry run. */
    Optional<String> helperRefusal(HelperJob job) throws Exception;

    /**
     * A node's memory for pods now: its allocatable memory, what its pods (those not finished)
     * request, what they use as the metrics API last measured it (empty, with the reason, when it
     * could not say), and whether the kubelet reports MemoryPressure.
     */
    NodeMemory nodeMemory(String node) throws Exception;

    /** {@code usedBytes}: empty when the metrics API could not say; then {@code whyUnmeasured} says why. */
    record NodeMemory(
            long allocatableBytes,
            long requestedBytes,
            java.util.OptionalLong usedBytes,
            String whyUnmeasured,
            boolean pressure) {}

    /** Whether the node's kubelet reports MemoryPressure now (one read of the node). */
    boolean memoryPressure(String node) throws Exception;

    /** Every pod on the node now, in any namespace (a field-selected list). */
    List<PodOnNode> podsOnNode(String node) throws Exception;

    /**
     * A pod on a node as a memory fault reads it: its QoS class, phase, the status's reason and
     * message (the kubelet's eviction says "Evicted", "The node was low on resource: memory"), the
     * memory its containers request, and whether any of its containers ever ran.
     */
    record PodOnNode(
            String namespace,
            String name,
            String uid,
            String qos,
            String phase,
            String reason,
            String message,
            long requestBytes,
            boolean ran,
            Map<String, String> labels,
            String controllerUid) {
        public PodOnNode {
            labels = Map.copyOf(labels);
        }

        /**
         * Evicted by the kubelet for memory after it ran ("The node was low on resource: memory"):
         * a pod the kubelet refused to admit under pressure says "Evicted" too, but it never ran,
         * so nothing was taken from it; a disk eviction is not a memory fault's.
         */
        public boolean evictedForMemory() {
            return ran
                    && "Failed".equals(phase)
                    && "Evicted".equals(reason)
                    && message.contains("low on resource: memory");
        }
    }

    /**
     * The VerticalPodAutoscaler of a pod with these labels (its target workload selects them), and
     * its memory target for the container; empty when no VPA covers the pod (or the VPA is not
     * installed).
     */
    Optional<VpaMemory> vpaMemory(String namespace, Map<String, String> podLabels, String container) throws Exception;

    /** {@code targetBytes}: empty until the recommender has written a target for the container. */
    record VpaMemory(String vpa, java.util.OptionalLong targetBytes) {}

    /** What each pod on the node used when the metrics API last measured it, in bytes by pod uid. */
    Map<String, Long> memoryUseOnNode(String node) throws Exception;

    /**
     * The pods in the namespace with exactly these labels whose controller is this one: the
     * replacements of a ReplicaSet's or StatefulSet's pod have its labels (a label-selected list).
     */
    List<PodLike> podsLike(String namespace, Map<String, String> labels, String controllerUid) throws Exception;

    /** {@code node}: empty until scheduled; {@code failed}: the pod's phase is Failed. */
    record PodLike(String name, String uid, Instant created, String node, boolean ready, boolean failed) {}

    /** The pod with this uid as the namespace's watch has it now: Ready, and each container's restarts. */
    Optional<PodStatusNow> podStatus(String namespace, String uid) throws Exception;

    /**
     * When the kubelet decided to kill the pod's container at or after {@code since} (its Killing
     * Event: a liveness or startup probe failed), to the second.
     */
    Optional<Instant> killedByKubelet(String namespace, String uid, String container, Instant since) throws Exception;

    /**
     * {@code effective}: the helper's own step succeeded (an inject installed its rule; an unblock
     * removed it). {@code at}: when, kept within what the agent saw; {@code nodeAt}: when by the
     * node's own clock, as the helper wrote it (to subtract from other node times).
     */
    record HelperStarted(
            String namespace, String pod, boolean effective, String message, Instant at, Optional<Instant> nodeAt) {
        public HelperStarted(String namespace, String pod, boolean effective, String message, Instant at) {
            this(namespace, pod, effective, message, at, Optional.empty());
        }
    }

    /**
     * {@code reverted}: the helper said so before it ended; {@code found}: the pod still existed;
     * {@code at}: when it acted, by the node's clock, when it said.
     */
    record HelperEnded(boolean found, boolean reverted, String message, Optional<Instant> at) {
        public HelperEnded(boolean found, boolean reverted, String message) {
            this(found, reverted, message, Optional.empty());
        }
    }

    /** A helper pod as found in the cluster: whose it is, and the job it was given. */
    record HelperPod(String namespace, String name, HelperJob job, boolean finished, String lastMessage) {}

    /**
     * {@code containerIds}: each running container's id without the runtime's prefix;
     * {@code lastExitCodes}: how each container's previous instance ended.
     */
    record PodStatusNow(
            boolean ready,
            Map<String, Integer> restarts,
            Map<String, String> containerIds,
            Map<String, Integer> lastExitCodes,
            Map<String, String> lastReasons) {
        public PodStatusNow {
            restarts = Map.copyOf(restarts);
            containerIds = Map.copyOf(containerIds);
            lastExitCodes = Map.copyOf(lastExitCodes);
            lastReasons = Map.copyOf(lastReasons);
        }

        /** Without the reasons the last terminations gave. */
        public PodStatusNow(
                boolean ready,
                Map<String, Integer> restarts,
                Map<String, String> containerIds,
                Map<String, Integer> lastExitCodes) {
            this(ready, restarts, containerIds, lastExitCodes, Map.of());
        }

        public int restartsOf(String container) {
            return restarts.getOrDefault(container, 0);
        }
    }

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

        /** When the pod came (back) into some Service's rotation at or after {@code since}. */
        Optional<Instant> awaitInRotation(String uid, Instant since, Instant deadline) throws InterruptedException;

        @Override
        void close();
    }
}
