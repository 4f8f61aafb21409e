package dev.aftershock.model;

import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;

/** A claim the run checks; each kind is judged by its own evaluator. */
public sealed interface Hypothesis {
    String name();

    /** Whether judging it reads nodes (an agent whose RBAC is namespaced cannot). */
    default boolean readsNodes() {
        return false;
    }

    /** Whether judging it reads the node autoscaler's objects and Events (the run watches them only then). */
    default boolean readsNodeAutoscaler() {
        return false;
    }

    /** Whether judging it reads the namespace's VerticalPodAutoscalers (the run watches them only then). */
    default boolean readsVpas() {
        return false;
    }

    /** Latency percentiles and error rate over the run, or over every {@code window} when given. */
    record Slo(
            String name,
            Optional<Duration> p50,
            Optional<Duration> p95,
            Optional<Duration> p99,
            Optional<Percent> errorRate,
            Optional<Duration> window)
            implements Hypothesis {}

    /**
     * How the named HorizontalPodAutoscaler reacts under the run's load; {@code reactWithin}: from
     * the load's rise that preceded its metric crossing (the arrival plan's change) to the new
     * pods Ready.
     */
    record Hpa(
            String name,
            String hpaName,
            Optional<Duration> scaleOutWithin,
            Optional<Duration> readyWithin,
            Optional<Duration> scaleInWithin,
            OptionalInt maxFlaps,
            Optional<Boolean> maxReplicasNotReached,
            Optional<Duration> reactWithin)
            implements Hypothesis {
        /** Without a bound from the load's rise. */
        public Hpa(
                String name,
                String hpaName,
                Optional<Duration> scaleOutWithin,
                Optional<Duration> readyWithin,
                Optional<Duration> scaleInWithin,
                OptionalInt maxFlaps,
                Optional<Boolean> maxReplicasNotReached) {
            this(
                    name,
                    hpaName,
                    scaleOutWithin,
                    readyWithin,
                    scaleInWithin,
                    maxFlaps,
                    maxReplicasNotReached,
                    Optional.empty());
        }
    }

    /**
     * The cluster's state once the run is over: available replicas of the target workload, Ready
     * schedulable nodes. Met at the end, or at any moment up to {@code within} after it.
     */
    record Kube(String name, OptionalInt availableReplicasAtLeast, OptionalInt readyNodesAtLeast, Duration within)
            implements Hypothesis {
        @Override
        public boolean readsNodes() {
            return readyNodesAtLeast.isPresent();
        }
    }

    /**
     * How every pod termination in the run went, whatever caused it (a fault, a rollout, a scale-in):
     * at most {@code maxFailedRequests} failed requests each, out of rotation before its processes
     * exited, gone (or exited, for a signal) within {@code maxTerminationTime}.
     */
    record Shutdown(
            String name,
            java.util.OptionalLong maxFailedRequests,
            Optional<Boolean> outOfRotationBeforeExit,
            Optional<Duration> maxTerminationTime)
            implements Hypothesis {}

    /**
     * What memory did to the target's pods, judged on how each termination ended: at most
     * {@code maxOomKills} OOM kills of its containers, at most {@code maxEvictions} pods evicted by
     * the kubelet, and with {@code evictionOrderByQos} the kubelet's evictions in QoS order
     * (BestEffort, then Burstable, then Guaranteed).
     */
    record Memory(
            String name,
            java.util.OptionalLong maxOomKills,
            java.util.OptionalLong maxEvictions,
            boolean evictionOrderByQos)
            implements Hypothesis {}

    /**
     * How the target's VerticalPodAutoscaler (the one named, else the one whose target is the
     * experiment's workload) recommends under the run's load, for {@code container} or each of its
     * containers: its first recommendation within {@code recommendationWithin} of the run's start;
     * at the end, its CPU target against the observed P90 of the containers' CPU use and its memory
     * target against their peak working set ({@code covers}: at least that; {@code
     * maxOverProvision}: at most that much above it); and, after each OOM kill of the run, its
     * memory target above the one before within {@code oomBumpWithin}.
     */
    record Vpa(
            String name,
            Optional<String> vpaName,
            Optional<String> container,
            Optional<Duration> recommendationWithin,
            Optional<Bounds> cpu,
            Optional<Bounds> memory,
            Optional<Duration> oomBumpWithin)
            implements Hypothesis {
        @Override
        public boolean readsVpas() {
            return true;
        }

        /** {@code covers}: the target is at least the use (CPU: its P90; memory: its peak). */
        public record Bounds(boolean covers, Optional<Percent> maxOverProvision) {}
    }

    /**
     * How the node autoscaler (Karpenter or the cluster-autoscaler) answers target pods that fit no
     * node: from the first target pod marked Unschedulable, its decision (a NodeClaim created, a
     * {@code TriggeredScaleUp} Event) within {@code decisionWithin}, a node added during the run
     * Ready within {@code scaleUpWithin}, and every pod that waited Ready within {@code
     * podsRunningWithin}; a node the target's pods left removed within {@code scaleDownWithin} of
     * its last target pod leaving; at most {@code maxNodes} nodes in the cluster at any moment.
     */
    record Nodes(
            String name,
            Optional<Duration> decisionWithin,
            Optional<Duration> scaleUpWithin,
            Optional<Duration> podsRunningWithin,
            Optional<Duration> scaleDownWithin,
            OptionalInt maxNodes)
            implements Hypothesis {
        @Override
        public boolean readsNodes() {
            return true;
        }

        @Override
        public boolean readsNodeAutoscaler() {
            return true;
        }
    }

    /**
     * How {@code service} spreads the load over the target's pods and their nodes, from who served
     * each request (the target's response headers): the busiest pod's share at most {@code
     * maxPodSkew} times an even split over the pods that served or were ready, the busiest node's
     * at most {@code maxNodeSkew} times what an even split over pods gives it; the client address
     * the pods saw the load's own ({@code clientIpPreserved: true}) or never ({@code false}); at
     * most {@code maxErrorsWhileRescheduling} failed requests while the target's endpoints moved.
     */
    record Traffic(
            String name,
            String service,
            Optional<Double> maxPodSkew,
            Optional<Double> maxNodeSkew,
            Optional<Boolean> clientIpPreserved,
            java.util.OptionalLong maxErrorsWhileRescheduling)
            implements Hypothesis {}

    /** A PromQL instant query at the end of the run; every sample must be on the right side of the threshold. */
    record Prometheus(String name, String query, Bound bound, double threshold) implements Hypothesis {
        public enum Bound {
            BELOW,
            ABOVE;

            public String word() {
                return name().toLowerCase(java.util.Locale.ROOT);
            }
        }
    }
}
