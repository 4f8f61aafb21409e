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
        String unmeasured) {

    /** Its processes exited while a Service still listed it as ready: requests went to a closed port. */
    public boolean exitedInRotation() {
        return Boolean.TRUE.equals(wasInRotation)
                && exitedAfterMs != null
                && (outOfRotationAfterMs == null || outOfRotationAfterMs > exitedAfterMs);
    }

    /** Until it was over: a deletion when the pod was gone, a signal when its process had exited; null if not before the run ended. */
    public Long endedAfterMs() {
        return signalled ? exitedAfterMs : goneAfterMs;
    }

    /** "pod-kill kill-one", "scale-in hpa/web", "other". */
    public String causeText() {
        return by == null || by.isEmpty() ? cause : cause + " " + by;
    }
}
