package dev.aftershock.selection;

import dev.aftershock.model.FaultSpec;
import dev.aftershock.model.Safety;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The guards again, at the moment of each injection, against the cluster as it is then: the plan
 * was made minutes earlier, and other faults (of this run or another), the autoscalers and people
 * have changed things since. Whatever is down at that moment counts, whatever took it down. A guard
 * that fails skips the target; the run records why.
 */
public final class InjectionGuards {
    private InjectionGuards() {}

    /**
     * Every guard for one target of one action: nodes kept in service for an action that takes its
     * node out of service, and the workload kept within maxUnavailable for one that takes pods down.
     * {@code pendingNodes} and {@code pendingPodUids}: what the run has just taken down and the watched
     * state may not show yet; they count as down.
     */
    public static Optional<String> check(
            FaultSpec.Action action,
            Plan.Target target,
            List<ClusterSnapshot.NodeView> nodesNow,
            Optional<ClusterSnapshot.WorkloadView> workload,
            List<ClusterSnapshot.PodView> podsNow,
            Safety safety,
            Set<String> pendingNodes,
            Set<String> pendingPodUids) {
        if (action.takesNodeOutOfService()) {
            Optional<String> nodes = node(target.name(), nodesNow, pendingNodes, safety);
            if (nodes.isPresent()) {
                return nodes;
            }
        }
        if (workload.isEmpty() || !action.takesPodsDown()) {
            return Optional.empty();
        }
        return workload(workload.get(), podsNow, podsGoingDown(action, target, podsNow), pendingPodUids, safety);
    }

    /** The uids of the pods a target of this action takes down: the pod, or the pods on the node. */
    public static Set<String> podsGoingDown(
            FaultSpec.Action action, Plan.Target target, List<ClusterSnapshot.PodView> podsNow) {
        if (!action.takesPodsDown()) {
            return Set.of();
        }
        return switch (target) {
            case Plan.PodTarget p -> Set.of(p.uid());
            case Plan.WorkloadTarget w -> Set.of();
            case Plan.NodeTarget n ->
                podsNow.stream()
                        .filter(p -> n.name().equals(p.nodeName()))
                        .map(ClusterSnapshot.PodView::uid)
                        .collect(Collectors.toSet());
        };
    }

    /**
     * Taking {@code node} out of service must leave at least {@code keepSchedulableNodes} nodes in
     * service (Ready, not cordoned, no NoSchedule/NoExecute taint, not just taken out by this run).
     */
    public static Optional<String> node(
            String node, List<ClusterSnapshot.NodeView> nodesNow, Set<String> pendingNodes, Safety safety) {
        Set<String> inService = nodesNow.stream()
                .filter(ClusterSnapshot.NodeView::inService)
                .map(ClusterSnapshot.NodeView::name)
                .filter(n -> !pendingNodes.contains(n))
                .collect(Collectors.toSet());
        int left = inService.size() - (inService.contains(node) ? 1 : 0);
        if (left < safety.keepSchedulableNodes()) {
            return Optional.of(
                    ("taking node %s out of service now would leave %d node%s in service (Ready, schedulable,"
                                    + " untainted); spec.safety.keepSchedulableNodes is %d")
                            .formatted(node, left, left == 1 ? "" : "s", safety.keepSchedulableNodes()));
        }
        return Optional.empty();
    }

    /**
     * Taking the pods {@code goingDown} (uids) down now must keep the workload within
     * {@code maxUnavailable}, counting the pods already not Ready or terminating, whatever the cause,
     * and those this run has just taken down ({@code pendingPodUids}).
     */
    public static Optional<String> workload(
            ClusterSnapshot.WorkloadView workload,
            List<ClusterSnapshot.PodView> podsNow,
            Set<String> goingDown,
            Set<String> pendingPodUids,
            Safety safety) {
        // One pass, no streams: this runs on every injection's path, before the API call.
        int owned = 0;
        int down = 0;
        int newlyDown = 0;
        for (ClusterSnapshot.PodView p : podsNow) {
            if (!workload.owns(p)) {
                continue;
            }
            owned++;
            if (!p.ready() || p.terminating() || pendingPodUids.contains(p.uid())) {
                down++;
            } else if (goingDown.contains(p.uid())) {
                newlyDown++;
            }
        }
        int replicas = Math.max(workload.replicas(), owned);
        int allowed = safety.maxUnavailable().of(replicas);
        if (newlyDown > 0 && down + newlyDown > allowed) {
            return Optional.of(("would take %d of %s/%s's %d pods down at once (%d already not ready); "
                            + "spec.safety.maxUnavailable allows %d")
                    .formatted(
                            down + newlyDown,
                            workload.kind().toLowerCase(java.util.Locale.ROOT),
                            workload.name(),
                            replicas,
                            down,
                            allowed));
        }
        return Optional.empty();
    }
}
