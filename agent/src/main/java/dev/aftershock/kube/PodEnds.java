package dev.aftershock.kube;

import dev.aftershock.evaluation.Observed;
import io.kubernetes.client.openapi.models.V1ContainerStateTerminated;
import io.kubernetes.client.openapi.models.V1ContainerStatus;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodCondition;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * How a pod's containers or the pod itself ended, read from the change between two versions of it
 * as the watch saw them (not from {@code lastState} alone: the kubelet's container garbage
 * collection can remove it): each is told once, when it first shows.
 */
final class PodEnds {
    private PodEnds() {}

    /** The observation, once it is given the run clock's time. */
    interface Seen<T extends Observed> {
        T at(long t);
    }

    /**
     * The pod's disruption, when this version is the first to show it: a {@code DisruptionTarget}
     * condition that was not there before, or the kubelet failing the pod.
     */
    static Optional<Seen<Observed.PodDisrupted>> disrupted(V1Pod before, V1Pod now) {
        String disruption = disruption(now);
        boolean failed = failedByTheKubelet(now);
        // Only what is new: a failed pod that is deleted later stops being "failed by the kubelet",
        // which is no disruption of its own.
        boolean newlyFailed = failed && !(before != null && failedByTheKubelet(before));
        boolean newDisruption = !disruption.isEmpty() && !disruption.equals(before == null ? "" : disruption(before));
        if (!newlyFailed && !newDisruption) {
            return Optional.empty();
        }
        var status = now.getStatus();
        return Optional.of(t -> new Observed.PodDisrupted(
                t,
                now.getMetadata().getUid(),
                now.getMetadata().getName(),
                nodeOf(now),
                qos(now),
                disruption,
                failed,
                ran(now),
                Objects.requireNonNullElse(status.getReason(), ""),
                Objects.requireNonNullElse(status.getMessage(), "").strip()));
    }

    /**
     * Each container that ended in this version and will be restarted (the pod is neither being
     * deleted nor failed): a terminated state, or a restart count that went up, with an instance
     * that had not ended before.
     */
    static List<Seen<Observed.ContainerEnded>> containersEnded(V1Pod before, V1Pod now) {
        List<Seen<Observed.ContainerEnded>> ended = new ArrayList<>();
        if (now.getMetadata().getDeletionTimestamp() != null || failed(now) || now.getStatus() == null) {
            return ended;
        }
        for (V1ContainerStatus c : orEmpty(now.getStatus().getContainerStatuses())) {
            Optional<V1ContainerStatus> was = before == null
                    ? Optional.empty()
                    : orEmpty(
                                    before.getStatus() == null
                                            ? null
                                            : before.getStatus().getContainerStatuses())
                            .stream()
                            .filter(b -> b.getName().equals(c.getName()))
                            .findFirst();
            V1ContainerStateTerminated latest = latestEnd(c);
            if (latest == null || was.isEmpty()) {
                continue;
            }
            V1ContainerStateTerminated earlier = latestEnd(was.get());
            // Told once per instance, by its container id, whichever version first shows it ended
            // (terminated, or already the last state of a waiting or restarted container); by the
            // restart count only where the runtime gave no id.
            boolean anew = latest.getContainerID() != null
                    ? earlier == null || !latest.getContainerID().equals(earlier.getContainerID())
                    : c.getRestartCount() > was.get().getRestartCount();
            if (!anew) {
                continue;
            }
            ended.add(t -> new Observed.ContainerEnded(
                    t,
                    now.getMetadata().getUid(),
                    now.getMetadata().getName(),
                    nodeOf(now),
                    qos(now),
                    c.getName(),
                    Objects.requireNonNullElse(latest.getReason(), ""),
                    latest.getExitCode() == null ? -1 : latest.getExitCode()));
        }
        return ended;
    }

    /** The container's latest ended instance: its terminated state, or else its last one. */
    private static V1ContainerStateTerminated latestEnd(V1ContainerStatus c) {
        if (c.getState() != null && c.getState().getTerminated() != null) {
            return c.getState().getTerminated();
        }
        return c.getLastState() == null ? null : c.getLastState().getTerminated();
    }

    /**
     * Whether any of its containers ever ran: a pod the kubelet refused to admit (under memory
     * pressure, say) is failed with reason Evicted too, but never ran.
     */
    static boolean ran(V1Pod p) {
        return orEmpty(p.getStatus() == null ? null : p.getStatus().getContainerStatuses()).stream()
                .anyMatch(c -> (c.getState() != null
                                && (c.getState().getRunning() != null
                                        || (c.getState().getTerminated() != null
                                                && c.getState().getTerminated().getStartedAt() != null)))
                        || (c.getLastState() != null && c.getLastState().getTerminated() != null));
    }

    private static String disruption(V1Pod p) {
        return orEmpty(p.getStatus() == null ? null : p.getStatus().getConditions()).stream()
                .filter(c -> "DisruptionTarget".equals(c.getType()) && "True".equals(c.getStatus()))
                .map(V1PodCondition::getReason)
                .filter(Objects::nonNull)
                .findFirst()
                .orElse("");
    }

    private static boolean failed(V1Pod p) {
        return p.getStatus() != null && "Failed".equals(p.getStatus().getPhase());
    }

    /**
     * Failed, and not on its way out: since Kubernetes 1.27 a deleted pod whose container exits
     * non-zero (143 after SIGTERM) is set Failed too before it goes; that is its deletion.
     */
    private static boolean failedByTheKubelet(V1Pod p) {
        return failed(p) && p.getMetadata().getDeletionTimestamp() == null;
    }

    private static String qos(V1Pod p) {
        return p.getStatus() == null || p.getStatus().getQosClass() == null
                ? ""
                : p.getStatus().getQosClass();
    }

    private static String nodeOf(V1Pod p) {
        return p.getSpec() == null ? null : p.getSpec().getNodeName();
    }

    private static <T> List<T> orEmpty(List<T> list) {
        return list == null ? List.of() : list;
    }
}
