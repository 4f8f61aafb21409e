package dev.aftershock.evaluation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aftershock.journal.HypothesisResult;
import dev.aftershock.journal.HypothesisResult.Verdict;
import dev.aftershock.model.Hypothesis;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/** The nodes hypothesis, judged on one timeline of the node autoscaler from the first pod that waited. */
class NodesHypothesisTest {
    private static final Observed.NodeAutoscaling.Step UP = Observed.NodeAutoscaling.Step.SCALE_UP_DECIDED;

    private static Hypothesis.Nodes nodes(
            Duration decision, Duration scaleUp, Duration running, Duration scaleDown, Integer max) {
        return new Hypothesis.Nodes(
                "autoscaled",
                Optional.ofNullable(decision),
                Optional.ofNullable(scaleUp),
                Optional.ofNullable(running),
                Optional.ofNullable(scaleDown),
                max == null ? OptionalInt.empty() : OptionalInt.of(max));
    }

    private static HypothesisResult judge(Hypothesis.Nodes h, ClusterTimeline t, long runEnd) {
        return NodesEvaluator.judge(
                h,
                new Evidence(
                        Optional.empty(), Optional.empty(), t, Optional.empty(), runEnd, "deployment/web", List.of()));
    }

    /**
     * Two nodes at the start; at 5 s two pods wait; Karpenter makes a NodeClaim at 5.5 s; the node
     * registers at 7 s, is Ready at 9 s, the pods are Ready at 10 s and 11 s; the pods are deleted
     * at 30 s; the node goes at 50 s.
     */
    private static ClusterTimeline scaledUpAndDown() {
        ClusterTimeline t = new ClusterTimeline();
        t.observe(new Observed.NodeStatus(0, "kwok-0", true, true, false));
        t.observe(new Observed.NodeStatus(0, "kwok-1", true, true, false));
        t.markListed();
        t.markNodeAutoscalers(java.util.Set.of("karpenter"));
        t.observe(new Observed.PodStatus(5_000, "a", "web-a", null, false, false, false));
        t.observe(new Observed.PodUnschedulable(5_000, "a", "web-a", "0/2 nodes are available"));
        t.observe(new Observed.PodStatus(5_100, "b", "web-b", null, false, false, false));
        t.observe(new Observed.PodUnschedulable(5_100, "b", "web-b", "0/2 nodes are available"));
        t.observe(new Observed.NodeAutoscaling(
                5_500, "karpenter", UP, "nodeclaim/autoscaled-x", "", "NodeClaim created"));
        t.observe(new Observed.NodeStatus(7_000, "autoscaled-x", false, true, false));
        t.observe(new Observed.NodeAutoscaling(
                7_000,
                "karpenter",
                Observed.NodeAutoscaling.Step.REGISTERED,
                "nodeclaim/autoscaled-x",
                "autoscaled-x",
                "Registered"));
        t.observe(new Observed.NodeStatus(9_000, "autoscaled-x", true, true, false));
        t.observe(new Observed.PodStatus(9_500, "a", "web-a", "autoscaled-x", false, false, false));
        t.observe(new Observed.PodStatus(9_600, "b", "web-b", "autoscaled-x", false, false, false));
        t.observe(new Observed.PodStatus(10_000, "a", "web-a", "autoscaled-x", true, false, false));
        t.observe(new Observed.PodStatus(11_000, "b", "web-b", "autoscaled-x", true, false, false));
        t.observe(new Observed.PodStatus(30_000, "a", "web-a", "autoscaled-x", false, true, false));
        t.observe(new Observed.PodStatus(30_500, "b", "web-b", "autoscaled-x", false, false, true));
        t.observe(new Observed.NodeAutoscaling(
                45_000,
                "karpenter",
                Observed.NodeAutoscaling.Step.SCALE_DOWN_DECIDED,
                "nodeclaim/autoscaled-x",
                "autoscaled-x",
                "NodeClaim being deleted"));
        t.observe(new Observed.NodeStatus(50_000, "autoscaled-x", true, false, true));
        return t;
    }

    @Test
    void everyPhaseInTimePasses() {
        HypothesisResult r = judge(
                nodes(Duration.ofSeconds(5), Duration.ofSeconds(30), Duration.ofSeconds(60), Duration.ofSeconds(30), 3),
                scaledUpAndDown(),
                70_000);

        assertThat(r.verdict()).as(r.measured()).isEqualTo(Verdict.PASSED);
        assertThat(r.evidence())
                .extracting(m -> m.name() + "=" + (long) m.value())
                .contains(
                        "nodes added=1",
                        "pods unschedulable=2",
                        "scale-up decided after=500",
                        "node registered after=2000",
                        "node ready after=4000",
                        "pods running after=6000",
                        "node autoscaled-x removed after=19500",
                        "most nodes=3");
        assertThat(r.measured()).contains("decided by karpenter (nodeclaim/autoscaled-x)");
    }

    @Test
    void eachPhaseTooSlowOrTooManyNodesFailsNamingWhatWasMeasured() {
        HypothesisResult r = judge(
                nodes(null, Duration.ofSeconds(2), Duration.ofSeconds(5), Duration.ofSeconds(10), 2),
                scaledUpAndDown(),
                70_000);

        assertThat(r.verdict()).isEqualTo(Verdict.FAILED);
        assertThat(r.measured())
                .contains("a new node Ready after 4.0 s, within 2s expected")
                .contains("every waiting pod Ready after 6.0 s, within 5s expected")
                .contains("node autoscaled-x removed 19.5 s after the target's pods left it, within 10s expected")
                .contains("3 nodes at once, at most 2 expected");
    }

    @Test
    void withNoPodWaitingTheScaleUpIsNotEvaluatedNeverPassed() {
        ClusterTimeline t = new ClusterTimeline();
        t.observe(new Observed.NodeStatus(0, "kwok-0", true, true, false));
        t.markListed();
        t.observe(new Observed.PodStatus(1_000, "a", "web-a", "kwok-0", true, false, false));

        HypothesisResult r = judge(nodes(null, Duration.ofSeconds(30), null, null, null), t, 60_000);

        assertThat(r.verdict()).isEqualTo(Verdict.NOT_EVALUATED);
        assertThat(r.measured()).contains("no target pod was unschedulable");
    }

    @Test
    void aNodeThatNeverCameFailsOnceTheBoundPassedAndIsUnjudgedBefore() {
        ClusterTimeline t = new ClusterTimeline();
        t.markListed();
        t.markNodeAutoscalers(java.util.Set.of("cluster-autoscaler"));
        t.observe(new Observed.PodStatus(5_000, "a", "web-a", null, false, false, false));
        t.observe(new Observed.PodUnschedulable(5_000, "a", "web-a", "0/2 nodes are available"));
        Hypothesis.Nodes h = nodes(Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofSeconds(30), null, null);

        HypothesisResult late = judge(h, t, 60_000);
        assertThat(late.verdict()).isEqualTo(Verdict.FAILED);
        assertThat(late.measured())
                .contains("no scale-up decision by the run's end")
                .contains("(never Ready: web-a)");

        HypothesisResult tooShort = judge(nodes(null, Duration.ofSeconds(30), null, null, null), t, 20_000);
        assertThat(tooShort.verdict()).isEqualTo(Verdict.NOT_EVALUATED);
        assertThat(tooShort.measured()).contains("the run ended 15.0 s after the first pod was unschedulable");
    }

    @Test
    void aPodDeletedBeforeItRanIsNotWaitedFor() {
        ClusterTimeline t = scaledUpAndDown();
        t.observe(new Observed.PodUnschedulable(6_000, "c", "web-c", "0/2 nodes are available"));
        t.observe(new Observed.PodStatus(6_000, "c", "web-c", null, false, false, false));
        t.observe(new Observed.PodStatus(8_000, "c", "web-c", null, false, false, true));

        HypothesisResult r = judge(nodes(null, null, Duration.ofSeconds(60), null, null), t, 70_000);

        assertThat(r.verdict()).as(r.measured()).isEqualTo(Verdict.PASSED);
    }

    @Test
    void aNodeStillThereLongAfterItsPodsLeftFails() {
        ClusterTimeline t = new ClusterTimeline();
        t.markListed();
        t.observe(new Observed.NodeStatus(1_000, "autoscaled-y", true, true, false));
        t.observe(new Observed.PodStatus(2_000, "a", "web-a", "autoscaled-y", true, false, false));
        t.observe(new Observed.PodStatus(10_000, "a", "web-a", "autoscaled-y", false, false, true));

        assertThat(judge(nodes(null, null, null, Duration.ofSeconds(30), null), t, 60_000)
                        .measured())
                .contains("node autoscaled-y still there 50.0 s after the target's pods left it");
        assertThat(judge(nodes(null, null, null, Duration.ofSeconds(30), null), t, 30_000)
                        .verdict())
                .isEqualTo(Verdict.NOT_EVALUATED);
    }

    /** A pod already waiting when the run began: its wait is not the run's, and cannot be timed. */
    @Test
    void aPodWaitingSinceBeforeTheRunIsNotTimedFromTheRun() {
        ClusterTimeline t = new ClusterTimeline();
        t.observe(new Observed.PodUnschedulable(0, "a", "web-a", "0/2 nodes are available"));
        t.markListed();
        t.observe(new Observed.PodUnschedulable(3_000, "b", "web-b", "0/2 nodes are available", true));

        HypothesisResult r = judge(nodes(null, Duration.ofSeconds(30), null, null, null), t, 60_000);

        assertThat(r.verdict()).isEqualTo(Verdict.NOT_EVALUATED);
        assertThat(r.measured()).contains("web-a, web-b waited since before it");
    }

    /** Another workload's NodeClaim and node are not the answer to the target's pods. */
    @Test
    void aNodeAndAClaimOfAnotherWorkloadAreNotTheTargets() {
        ClusterTimeline t = new ClusterTimeline();
        t.markListed();
        t.markNodeAutoscalers(java.util.Set.of("karpenter"));
        t.observe(new Observed.PodUnschedulable(5_000, "a", "web-a", "0/2 nodes are available"));
        t.observe(new Observed.NodeAutoscaling(6_000, "karpenter", UP, "nodeclaim/other", "", "NodeClaim created"));
        t.observe(new Observed.NodeStatus(7_000, "other", true, true, false));

        HypothesisResult r = judge(nodes(Duration.ofSeconds(10), Duration.ofSeconds(10), null, null, null), t, 60_000);

        assertThat(r.verdict()).isEqualTo(Verdict.FAILED);
        assertThat(r.measured())
                .contains("no scale-up decision by the run's end", "no new node Ready by the run's end");
        // The cluster-autoscaler's decision on the pod itself counts.
        t.observe(new Observed.NodeAutoscaling(
                8_000, "cluster-autoscaler", UP, "pod/web-a", "", "pod triggered scale-up: [{ng 1->2 (max: 5)}]"));
        assertThat(judge(nodes(Duration.ofSeconds(10), null, null, null, null), t, 60_000)
                        .measured())
                .contains("a scale-up decision after 3.0 s", "decided by cluster-autoscaler (pod/web-a)");
    }

    @Test
    void withNoAutoscalerWatchedTheDecisionIsNotJudged() {
        ClusterTimeline t = new ClusterTimeline();
        t.markListed();
        t.observe(new Observed.PodUnschedulable(5_000, "a", "web-a", "0/2 nodes are available"));

        HypothesisResult r = judge(nodes(Duration.ofSeconds(10), null, null, null, null), t, 60_000);

        assertThat(r.verdict()).isEqualTo(Verdict.NOT_EVALUATED);
        assertThat(r.measured()).contains("neither Karpenter's NodeClaims nor the cluster-autoscaler's status");
    }

    @Test
    void podsPlacedOnNodesThatWereThereNeededNoNewNode() {
        ClusterTimeline t = new ClusterTimeline();
        t.observe(new Observed.NodeStatus(0, "kwok-0", true, true, false));
        t.markListed();
        t.observe(new Observed.PodStatus(5_000, "a", "web-a", null, false, false, false));
        t.observe(new Observed.PodUnschedulable(5_000, "a", "web-a", "0/1 nodes are available"));
        t.observe(new Observed.PodStatus(9_000, "a", "web-a", "kwok-0", true, false, false));

        HypothesisResult r = judge(nodes(null, Duration.ofSeconds(10), Duration.ofSeconds(10), null, null), t, 60_000);

        assertThat(r.verdict()).isEqualTo(Verdict.NOT_EVALUATED);
        assertThat(r.measured()).contains("placed on nodes that were there before");
    }

    /** A node the run began with, left by the target's pods (a pod-kill, a scale-in), is not the autoscaler's to remove. */
    @Test
    void aNodeTheRunBeganWithIsNotExpectedToGo() {
        ClusterTimeline t = new ClusterTimeline();
        t.observe(new Observed.NodeStatus(0, "kwok-0", true, true, false));
        t.observe(new Observed.PodStatus(0, "a", "web-a", "kwok-0", true, false, false));
        t.markListed();
        t.observe(new Observed.PodStatus(10_000, "a", "web-a", "kwok-0", false, false, true));

        HypothesisResult r = judge(nodes(null, null, null, Duration.ofSeconds(30), null), t, 60_000);

        assertThat(r.verdict()).isEqualTo(Verdict.NOT_EVALUATED);
        assertThat(r.measured()).contains("nothing to scale down");
    }
}
