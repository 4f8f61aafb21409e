package dev.aftershock.evaluation;

import dev.aftershock.journal.Format;
import java.util.List;

/**
 * What the agent saw of the cluster at one instant, as its watches report it: plain values, no
 * client types, so the timeline and the evaluators stay pure. {@code t} is on the run's clock (ms).
 */
public sealed interface Observed {
    long t();

    /** The status of a HorizontalPodAutoscaler; its first metric, as the controller last computed it. */
    record HpaStatus(
            long t,
            String hpa,
            int current,
            int desired,
            int min,
            int max,
            String metric,
            Double currentValue,
            Double targetValue)
            implements Observed {
        public boolean metricAboveTarget() {
            return currentValue != null && targetValue != null && currentValue > targetValue;
        }

        public boolean metricBelowTarget() {
            return currentValue != null && targetValue != null && currentValue < targetValue;
        }

        String metricText() {
            return currentValue == null || targetValue == null
                    ? metric + " not reported yet"
                    : "%s %s of target %s".formatted(metric, Format.number(currentValue), Format.number(targetValue));
        }
    }

    /**
     * One pod of the target workload; {@code gone} when the API server deleted it; {@code stopped}
     * when the kubelet reports none of its containers running any more (a terminating pod's
     * processes have exited, before the pod object goes); {@code departure} how it left the
     * target's pods, when it is gone; {@code qos} its QoS class (empty when its status has none yet).
     */
    record PodStatus(
            long t,
            String uid,
            String pod,
            String node,
            boolean ready,
            boolean terminating,
            boolean gone,
            boolean stopped,
            Departure departure,
            String qos)
            implements Observed {
        /** Without its QoS class. */
        public PodStatus(
                long t,
                String uid,
                String pod,
                String node,
                boolean ready,
                boolean terminating,
                boolean gone,
                boolean stopped,
                Departure departure) {
            this(t, uid, pod, node, ready, terminating, gone, stopped, departure, "");
        }

        /** A pod whose containers were not reported stopped. */
        public PodStatus(
                long t, String uid, String pod, String node, boolean ready, boolean terminating, boolean gone) {
            this(t, uid, pod, node, ready, terminating, gone, false, gone ? Departure.DELETED : Departure.NONE);
        }

        /** Counts toward the workload's serving pods. */
        public boolean serving() {
            return ready && !terminating && !gone;
        }
    }

    /** How a pod stopped being one of the target's. */
    enum Departure {
        NONE,
        /** Its deletion was watched. */
        DELETED,
        /** Deleted while the watch was away (found at a relist): when is not known. */
        DELETED_UNWATCHED,
        /** Its labels stopped matching the target's selector: the pod still runs, as someone else's. */
        LEFT_SELECTOR
    }

    /**
     * Whether some Service of the namespace sends traffic to the pod (an EndpointSlice lists it as
     * ready), as the EndpointSlice watch saw it: the API's view; each kube-proxy applies it moments later.
     */
    record RotationStatus(long t, String uid, boolean inRotation) implements Observed {}

    /**
     * {@code memoryPressure}: the kubelet's MemoryPressure condition is True; {@code memoryPressureTaint}: the
     * {@code node.kubernetes.io/memory-pressure} taint the node lifecycle controller adds from it
     * (what keeps new pods off the node), which comes and goes a little after the condition.
     */
    record NodeStatus(
            long t,
            String node,
            boolean ready,
            boolean schedulable,
            boolean gone,
            boolean memoryPressure,
            boolean memoryPressureTaint)
            implements Observed {
        public NodeStatus(long t, String node, boolean ready, boolean schedulable, boolean gone) {
            this(t, node, ready, schedulable, gone, false, false);
        }

        public NodeStatus(
                long t, String node, boolean ready, boolean schedulable, boolean gone, boolean memoryPressure) {
            this(t, node, ready, schedulable, gone, memoryPressure, false);
        }
    }

    /**
     * A target container's use as the metrics API last measured it: its CPU in millicores and its
     * memory working set (what the kubelet's eviction and the OOM killer's limit count), with its
     * memory request and limit (0: none).
     */
    record ContainerUsage(
            long t,
            String pod,
            String container,
            long cpuMillicores,
            long workingSetBytes,
            long requestBytes,
            long limitBytes)
            implements Observed {}

    /**
     * A VerticalPodAutoscaler of the target's namespace as its status last said: {@code target} its
     * target workload ("deployment/checkout"), and per container the recommender's target and
     * bounds (none until it has written one).
     */
    record VpaStatus(long t, String vpa, String target, List<VpaRecommendation> containers) implements Observed {
        public VpaStatus {
            containers = List.copyOf(containers);
        }
    }

    /** CPU in millicores, memory in bytes; -1 where the recommendation leaves one out. */
    record VpaRecommendation(
            String container,
            long cpuTarget,
            long memoryTarget,
            long cpuLower,
            long memoryLower,
            long cpuUpper,
            long memoryUpper) {}

    /**
     * The kubelet decided to kill a container because its {@code probe} (liveness or startup)
     * failed: its {@code Killing} Event ("Container app failed liveness probe, will be restarted"),
     * each time it was told (an Event repeated counts again).
     */
    record ProbeKill(long t, String pod, String container, String probe, String message) implements Observed {}

    /**
     * A container of a target pod that stays ended, to be restarted by the kubelet (a pod being
     * deleted or failed by the kubelet is a {@link PodStatus} or {@link PodDisrupted} instead), as
     * its status said when the end was first seen: {@code reason} the kubelet's ({@code OOMKilled},
     * {@code Error}, {@code Completed}), {@code exitCode} the process's. {@code qos} the pod's QoS class.
     */
    record ContainerEnded(
            long t, String uid, String pod, String node, String qos, String container, String reason, int exitCode)
            implements Observed {}

    /**
     * A target pod that something disrupted, as its status said when first seen: its
     * {@code DisruptionTarget} condition's reason ({@code EvictionByEvictionAPI},
     * {@code PreemptionByScheduler}, {@code TerminationByKubelet}, {@code DeletionByTaintManager},
     * {@code DeletionByPodGC}; empty when it has none), and {@code failed} when the kubelet failed it
     * (phase Failed) with the status's {@code reason} ({@code Evicted}) and {@code message} ("The node
     * was low on resource: memory. ..."); {@code ran} whether any of its containers ever ran (a pod
     * the kubelet refused to admit is failed as Evicted too, but never ran).
     */
    record PodDisrupted(
            long t,
            String uid,
            String pod,
            String node,
            String qos,
            String disruption,
            boolean failed,
            boolean ran,
            String reason,
            String message)
            implements Observed {}

    /**
     * A target pod the scheduler could not place: its {@code PodScheduled} condition turned False
     * with reason {@code Unschedulable}, with the scheduler's message ("0/5 nodes are available:
     * ..."). What a node autoscaler answers. {@code beforeRun}: it was waiting already when the run
     * began (its condition says so, or the watches had not listed yet): its wait cannot be timed.
     */
    record PodUnschedulable(long t, String uid, String pod, String message, boolean beforeRun) implements Observed {
        /** One that began waiting during the run. */
        public PodUnschedulable(long t, String uid, String pod, String message) {
            this(t, uid, pod, message, false);
        }
    }

    /**
     * A step of the node autoscaler's, whichever it is ({@code autoscaler}: {@code karpenter} or
     * {@code cluster-autoscaler}): {@code subject} what it is about ({@code nodeclaim/x},
     * {@code pod/x}, {@code node/x}, {@code configmap/kube-system/cluster-autoscaler-status}),
     * {@code node} the node it names when it names one, {@code message} its own words.
     */
    record NodeAutoscaling(long t, String autoscaler, Step step, String subject, String node, String message)
            implements Observed {
        /** In the order a scale-up and a scale-down go through them. */
        public enum Step {
            /** It decided to add capacity: a NodeClaim created, {@code TriggeredScaleUp}, scale-up InProgress. */
            SCALE_UP_DECIDED,
            /** It decided not to ({@code NotTriggerScaleUp}): the message says why. */
            NO_SCALE_UP,
            /** A pod was nominated to capacity it is making or has ({@code Nominated}). */
            NOMINATED,
            /** The cloud (kwok, here) gave it an instance ({@code Launched}). */
            LAUNCHED,
            /** The instance's Node registered ({@code Registered}). */
            REGISTERED,
            /** The Node is Ready and initialized ({@code Initialized}). */
            INITIALIZED,
            /** It decided to remove a node: a NodeClaim being deleted, {@code ScaleDown}. */
            SCALE_DOWN_DECIDED;

            public String label() {
                return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
            }
        }
    }

    /** The target Deployment's or StatefulSet's status. */
    record WorkloadStatus(long t, String workload, int replicas, int ready, int available) implements Observed {}
}
