package dev.aftershock.kube;

import dev.aftershock.evaluation.Observed;
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
        boolean failed = failed(now);
        if (disruption.equals(before == null ? "" : disruption(before))
                && failed == (before != null && failed(before))) {
            return Optional.empty();
        }
        if (disruption.isEmpty() && !failed) {
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
            var terminated = c.getState() != null && c.getState().getTerminated() != null
                    ? c.getState().getTerminated()
                    : c.getLastState() != null ? c.getLastState().getTerminated() : null;
            if (terminated == null || was.isEmpty()) {
                continue;
            }
            boolean restarted = c.getRestartCount() > was.get().getRestartCount();
            boolean newlyTerminated = c.getState() != null
                    && c.getState().getTerminated() != null
                    && !endedInstance(was.get()).equals(Optional.ofNullable(terminated.getContainerID()));
            if (!restarted && !newlyTerminated) {
                continue;
            }
            // Told once per instance: the restart that follows a terminated state says nothing new.
            if (restarted
                    && endedInstance(was.get()).isPresent()
                    && endedInstance(was.get()).equals(Optional.ofNullable(terminated.getContainerID()))) {
                continue;
            }
            ended.add(t -> new Observed.ContainerEnded(
                    t,
                    now.getMetadata().getUid(),
                    now.getMetadata().getName(),
                    nodeOf(now),
                    qos(now),
                    c.getName(),
                    Objects.requireNonNullElse(terminated.getReason(), ""),
                    terminated.getExitCode() == null ? -1 : terminated.getExitCode()));
        }
        return ended;
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

    /** The instance a container status shows ended: its terminated state's container id. */
    private static Optional<String> endedInstance(V1ContainerStatus c) {
        return c.getState() != null && c.getState().getTerminated() != null
                ? Optional.ofNullable(c.getState().getTerminated().getContainerID())
                : Optional.empty();
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
