package dev.aftershock.journal;

/**
 * One pod termination during the run, whatever caused it: a deletion (pod-kill, a drain's eviction,
 * a rollout, an HPA's scale-in, anything else) or a signal to a container's main process. Times are
 * on the run's clock; a null says "did not happen before the run ended" or "not measured" (below).
 *
 * @param cause what ended it: a fault's action, {@code scale-in}, or {@code other}
 * @param by the fault's name, the HPA ({@code hpa/web}), or empty
 * @param atMs when the termination began: the deletion or the signal
 * @param signalled a signal to its main process, or the kernel's OOM kill of it (the pod stays),
 *     rather than a deletion
 * @param wasInRotation whether a Service sent it traffic when it began; null when the EndpointSlices
 *     were not watched
 * @param outOfRotationAfterMs until no Service listed it as ready; null when it was not in rotation or
 *     still was at the end
 * @param exitedAfterMs until its processes had exited (the kubelet reported no container running,
 *     or the node helper saw the signalled process end)
 * @param goneAfterMs until the pod object was deleted; null for a signal (the pod stays)
 * @param requests requests started from the second one request timeout before it began through the
 *     second after it ended; null without load
 * @param failedRequests of those, the ones that failed
 * @param unmeasured empty when it was timed; else what could not be, and why (a deletion while the
 *     pod watch was away, a signal whose exit its helper did not report)
 * @param how how it ended, as the pod's and its containers' watched status said: {@code deleted},
 *     {@code evicted through the Eviction API}, {@code evicted by the kubelet (memory)},
 *     {@code preempted}, {@code OOMKilled}, {@code exited with code 143 (Error)}, ...; null in
 *     journals from before it was recorded
 * @param qos the pod's QoS class ({@code BestEffort}, {@code Burstable}, {@code Guaranteed}); empty
 *     when its status did not say; null in journals from before it was recorded
 */
public record Termination(
        String cause,
        String by,
        String pod,
        String node,
        long atMs,
        boolean signalled,
        Boolean wasInRotation,
        Long outOfRotationAfterMs,
        Long exitedAfterMs,
        Long goneAfterMs,
        Long requests,
        Long failedRequests,
        String unmeasured,
        String how,
        String qos) {

    /** How the kubelet's eviction of a pod reads, before the resource it was short of. */
    public static final String KUBELET_EVICTION = "evicted by the kubelet";

    /** How the kernel's OOM kill of a container reads. */
    public static final String OOM_KILLED = "OOMKilled";

    /** The kubelet failed the pod to reclaim a resource of its node: it stays, failed, and is not restarted. */
    public boolean evictedByTheKubelet() {
        return how != null && how.startsWith(KUBELET_EVICTION);
    }

    /** Its processes exited while a Service still listed it as ready: requests went to a closed port. */
    public boolean exitedInRotation() {
        return Boolean.TRUE.equals(wasInRotation)
                && exitedAfterMs != null
                && (outOfRotationAfterMs == null || outOfRotationAfterMs > exitedAfterMs);
    }

    /**
     * Until it was over: a deletion when the pod was gone, a signal (or OOM kill) or a kubelet
     * eviction when its processes had exited; null if not before the run ended.
     */
    public Long endedAfterMs() {
        return signalled || evictedByTheKubelet() ? exitedAfterMs : goneAfterMs;
    }

    /** "pod-kill kill-one", "scale-in hpa/web", "other". */
    public String causeText() {
        return by == null || by.isEmpty() ? cause : cause + " " + by;
    }
}
