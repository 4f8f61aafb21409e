package dev.aftershock.selection;

import dev.aftershock.model.FaultSpec;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/** What the planner needs to know of the cluster, read once before a run. */
public record ClusterSnapshot(
        List<NodeView> nodes, List<PodView> pods, List<PdbView> pdbs, Optional<WorkloadView> target) {
    public ClusterSnapshot {
        nodes = List.copyOf(nodes);
        pods = List.copyOf(pods);
        pdbs = List.copyOf(pdbs);
    }

    /** {@code repelling}: a NoSchedule or NoExecute taint keeps new pods off, as a cordon does. */
    public record NodeView(
            String name,
            Map<String, String> labels,
            boolean schedulable,
            boolean ready,
            boolean repelling,
            String resourceVersion) {
        public NodeView {
            labels = Map.copyOf(labels);
        }

        /** Whether the workload's pods can land here now: Ready, not cordoned, not tainted away. */
        public boolean inService() {
            return ready && schedulable && !repelling;
        }
    }

    /**
     * A pod as a fault sees it. {@code controllerKind} is the kind of its controlling owner, empty
     * for an unmanaged pod.
     */
    public record PodView(
            String namespace,
            String name,
            String uid,
            Map<String, String> labels,
            String nodeName,
            Optional<String> controllerKind,
            boolean mirror,
            boolean usesEmptyDir,
            boolean ready,
            boolean terminating,
            String resourceVersion,
            boolean hostNetwork,
            List<ContainerView> containers,
            boolean sharedPids,
            String restartPolicy) {
        public PodView {
            labels = Map.copyOf(labels);
            containers = List.copyOf(containers);
        }

        /** {@code sharedPids}: hostPID or shareProcessNamespace (no container is PID 1 of its own). */
        public PodView(
                String namespace,
                String name,
                String uid,
                Map<String, String> labels,
                String nodeName,
                Optional<String> controllerKind,
                boolean mirror,
                boolean usesEmptyDir,
                boolean ready,
                boolean terminating,
                String resourceVersion,
                boolean hostNetwork,
                List<ContainerView> containers) {
            this(
                    namespace,
                    name,
                    uid,
                    labels,
                    nodeName,
                    controllerKind,
                    mirror,
                    usesEmptyDir,
                    ready,
                    terminating,
                    resourceVersion,
                    hostNetwork,
                    containers,
                    false,
                    "Always");
        }

        /** A pod whose containers and network the faults that act inside it need not know. */
        public PodView(
                String namespace,
                String name,
                String uid,
                Map<String, String> labels,
                String nodeName,
                Optional<String> controllerKind,
                boolean mirror,
                boolean usesEmptyDir,
                boolean ready,
                boolean terminating,
                String resourceVersion) {
            this(
                    namespace,
                    name,
                    uid,
                    labels,
                    nodeName,
                    controllerKind,
                    mirror,
                    usesEmptyDir,
                    ready,
                    terminating,
                    resourceVersion,
                    false,
                    List.of(),
                    false,
                    "Always");
        }

        public boolean daemonSet() {
            return controllerKind.filter("DaemonSet"::equals).isPresent();
        }

        public boolean matches(Map<String, String> selector) {
            return selector.entrySet().stream().allMatch(e -> e.getValue().equals(labels.get(e.getKey())));
        }
    }

    /**
     * A container with its probes, as the kubelet runs them; {@code memoryLimitBytes} its memory
     * limit, empty when it has none.
     */
    public record ContainerView(String name, Map<FaultSpec.Probe, ProbeView> probes, OptionalLong memoryLimitBytes) {
        public ContainerView {
            probes = Map.copyOf(probes);
        }

        /** A container without a memory limit. */
        public ContainerView(String name, Map<FaultSpec.Probe, ProbeView> probes) {
            this(name, probes, OptionalLong.empty());
        }
    }

    /**
     * One probe: how the kubelet sends it ({@code port} resolved from a named port, -1 when the name
     * matches no container port), and how often; {@code unmatchable}: why a rule cannot single out
     * the kubelet's request (empty when it can).
     */
    public record ProbeView(
            ProbeHandler handler, int port, String path, int periodSeconds, int failureThreshold, String unmatchable) {
        /** A probe a rule can tell apart from other traffic (nothing in it hides the kubelet). */
        public ProbeView(ProbeHandler handler, int port, String path, int periodSeconds, int failureThreshold) {
            this(handler, port, path, periodSeconds, failureThreshold, "");
        }
    }

    public enum ProbeHandler {
        HTTP,
        HTTPS,
        TCP,
        GRPC,
        EXEC
    }

    /** A PodDisruptionBudget with the disruption controller's view of it. */
    public record PdbView(
            String namespace,
            String name,
            LabelSelector selector,
            int expectedPods,
            int desiredHealthy,
            int disruptionsAllowed) {

        /** A budget that wants every pod healthy never lets an eviction through. */
        public boolean neverAllowsEviction() {
            return expectedPods > 0 && desiredHealthy >= expectedPods;
        }

        public boolean covers(PodView pod) {
            return pod.namespace().equals(namespace) && !selector.isEmpty() && selector.matches(pod.labels());
        }
    }

    /** The experiment's target workload: its pod selector and desired replicas. */
    /**
     * The target workload. {@code rolloutUnavailable}: how many of its pods its own rollout strategy
     * may take down at once (-1: unknown); {@code rolloutRefusal}: why a restart would roll nothing
     * (paused, OnDelete, a partition), empty when it would.
     */
    public record WorkloadView(
            String namespace,
            String kind,
            String name,
            LabelSelector selector,
            int replicas,
            int rolloutUnavailable,
            String rolloutRefusal) {
        public WorkloadView(String namespace, String kind, String name, LabelSelector selector, int replicas) {
            this(namespace, kind, name, selector, replicas, -1, "");
        }

        /** Its whole selector, matchExpressions included. */
        public boolean owns(PodView pod) {
            return pod.namespace().equals(namespace) && selector.matches(pod.labels());
        }
    }
}
