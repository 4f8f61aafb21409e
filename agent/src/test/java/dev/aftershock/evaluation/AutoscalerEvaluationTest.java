package dev.aftershock.evaluation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aftershock.journal.HypothesisResult;
import dev.aftershock.journal.HypothesisResult.Verdict;
import dev.aftershock.journal.Series;
import dev.aftershock.model.Hypothesis;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/** The HPA, kube-state and PromQL evaluators over timelines written out by hand. */
class AutoscalerEvaluationTest {
    private static Observed.HpaStatus hpa(long t, int current, int desired, Double metric) {
        return new Observed.HpaStatus(t, "web", current, desired, 1, 5, "cpu", metric, 50.0);
    }

    private static Observed.PodStatus pod(long t, String uid, boolean ready) {
        return new Observed.PodStatus(t, uid, "web-" + uid, "node-1", ready, false, false);
    }

    private static Hypothesis.Hpa hypothesis(Duration scaleOut, Duration ready, Duration scaleIn, Integer flaps) {
        return new Hypothesis.Hpa(
                "scales",
                "web",
                Optional.ofNullable(scaleOut),
                Optional.ofNullable(ready),
                Optional.ofNullable(scaleIn),
                flaps == null ? OptionalInt.empty() : OptionalInt.of(flaps),
                Optional.of(true));
    }

    /** One pod serving, the metric crosses at 10 s, desired 1 -> 3 at 15 s, both new pods Ready at 22 s. */
    private static ClusterTimeline scaleOut() {
        ClusterTimeline t = new ClusterTimeline();
        t.observe(pod(0, "a", true));
        t.observe(hpa(100, 1, 1, 10.0));
        t.observe(hpa(10_000, 1, 1, 120.0));
        t.observe(hpa(15_000, 1, 3, 120.0));
        t.observe(pod(15_100, "b", false));
        t.observe(pod(15_200, "c", false));
        t.observe(hpa(16_000, 3, 3, 120.0));
        t.observe(pod(19_000, "b", true));
        t.observe(pod(22_000, "c", true));
        return t;
    }

    @Test
    void scaleOutAndReadyAreTimedFromTheMetricCrossingItsTarget() {
        HypothesisResult r =
                HpaEvaluator.judge(hypothesis(Duration.ofSeconds(10), Duration.ofSeconds(15), null, 0), scaleOut());

        assertThat(r.verdict()).isEqualTo(Verdict.PASSED);
        assertThat(r.measured()).contains("scale-out 5.00 s", "new pods ready 12.00 s", "0 flap(s)", "peak 3 of max 5");
        assertThat(r.evidence())
                .extracting(m -> m.name() + "=" + m.shown())
                .contains(
                        "metric above target at=T+0:10",
                        "desired replicas rose at=T+0:15",
                        "new pods ready at=T+0:22",
                        "scale-out took=5.00 s");
    }

    private static Hypothesis.Hpa reactWithin(Duration bound) {
        return new Hypothesis.Hpa(
                "reacts",
                "web",
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                OptionalInt.empty(),
                Optional.empty(),
                Optional.of(bound));
    }

    /**
     * The load rose at 2 s (a ramp) and again at 12 s (a step up, after the crossing): the reaction
     * is timed from the rise the crossing followed, through the crossing, the decision and Ready.
     */
    @Test
    void theReactionIsTimedFromTheLoadsRiseTheCrossingFollowed() {
        Hypothesis.Hpa react = reactWithin(Duration.ofSeconds(25));

        HypothesisResult r = HpaEvaluator.judge(react, scaleOut(), List.of(2_000L, 12_000L));

        assertThat(r.verdict()).as(r.measured()).isEqualTo(Verdict.PASSED);
        assertThat(r.measured()).contains("react 20.00 s");
        assertThat(r.evidence())
                .extracting(m -> m.name() + "=" + m.shown())
                .contains(
                        "load rose at=T+0:02",
                        "metric above target after the load rose=8.00 s",
                        "desired replicas rose after the load rose=13.00 s",
                        "new pods ready after the load rose=20.00 s");
        HypothesisResult slow = HpaEvaluator.judge(reactWithin(Duration.ofSeconds(15)), scaleOut(), List.of(2_000L));
        assertThat(slow.verdict()).isEqualTo(Verdict.FAILED);
        assertThat(slow.measured()).startsWith("react took 20.00 s > 15s");
        // No load rise seen before the crossing: not evaluated, never passed.
        assertThat(HpaEvaluator.judge(react, scaleOut(), List.of()).verdict()).isEqualTo(Verdict.NOT_EVALUATED);
    }

    @Test
    void aSlowScaleOutFailsNamingTheMeasuredTime() {
        HypothesisResult r = HpaEvaluator.judge(hypothesis(Duration.ofSeconds(3), null, null, null), scaleOut());

        assertThat(r.verdict()).isEqualTo(Verdict.FAILED);
        assertThat(r.measured()).startsWith("scale-out took 5.00 s > 3s");
    }

    @Test
    void theMetricAndTheDecisionInOneUpdateCountFromThatUpdate() {
        ClusterTimeline t = new ClusterTimeline();
        t.observe(pod(0, "a", true));
        t.observe(hpa(100, 1, 1, null));
        t.observe(hpa(8_000, 1, 4, 300.0));
        HypothesisResult r =
                HpaEvaluator.judge(hypothesis(Duration.ofSeconds(1), Duration.ofSeconds(30), null, null), t);

        assertThat(r.measured()).contains("scale-out 0 ms");
        // Four pods never served before the run ended: readiness did not happen.
        assertThat(r.verdict()).isEqualTo(Verdict.FAILED);
        assertThat(r.measured()).contains("new pods ready: did not happen before the run ended");
    }

    @Test
    void withoutTheMetricEverAboveTargetThereIsNothingToJudge() {
        ClusterTimeline t = new ClusterTimeline();
        t.observe(hpa(100, 1, 1, 10.0));
        t.observe(hpa(5_000, 1, 1, 20.0));

        HypothesisResult r = HpaEvaluator.judge(hypothesis(Duration.ofSeconds(30), null, null, null), t);

        assertThat(r.verdict()).isEqualTo(Verdict.NOT_EVALUATED);
        assertThat(r.measured()).contains("never exceeded its target");
    }

    @Test
    void anHpaNeverSeenCannotBeJudged() {
        HypothesisResult r =
                HpaEvaluator.judge(hypothesis(Duration.ofSeconds(30), null, null, null), new ClusterTimeline());

        assertThat(r.verdict()).isEqualTo(Verdict.NOT_EVALUATED);
        assertThat(r.measured()).isEqualTo("the HPA web was never seen in the target's namespace");
    }

    @Test
    void flapsAreDirectionReversalsAndScaleInIsTimedFromTheMetricFallingBelow() {
        ClusterTimeline t = scaleOut();
        t.observe(hpa(30_000, 3, 3, 20.0));
        t.observe(hpa(40_000, 3, 2, 20.0));
        t.observe(hpa(50_000, 2, 4, 90.0));
        t.observe(hpa(60_000, 4, 5, 90.0));

        HypothesisResult r = HpaEvaluator.judge(hypothesis(null, null, Duration.ofSeconds(5), 1), t);

        assertThat(r.verdict()).isEqualTo(Verdict.FAILED);
        assertThat(r.measured())
                .contains("scale-in took 10.00 s > 5s")
                .contains("2 direction reversals of desiredReplicas > 1")
                .contains("desiredReplicas reached maxReplicas (5)");
    }

    @Test
    void theTimelineKeepsChangesOnlyAsEventsAndSeries() {
        ClusterTimeline t = scaleOut();
        t.markListed();
        t.observe(pod(16_500, "d", false));
        t.observe(hpa(17_000, 3, 3, 120.0)); // a repeat: no new point, no event
        t.observe(new Observed.NodeStatus(1, "n1", true, true, false));
        t.observe(new Observed.NodeStatus(2, "n1", true, false, false));
        t.observe(new Observed.NodeStatus(3, "n1", true, false, false, true, false));
        t.observe(new Observed.NodeStatus(4, "n1", true, false, false, true, true));
        t.observe(new Observed.NodeStatus(5, "n1", true, false, false, false, true));
        t.observe(new Observed.NodeStatus(6, "n1", true, false, false, false, false));
        t.observe(new Observed.PodStatus(40_000, "b", "web-b", "node-1", false, true, false));
        t.observe(new Observed.PodStatus(41_000, "b", "web-b", "node-1", false, true, true));

        assertThat(t.events())
                .extracting(e -> e.t() + " " + e.kind() + " " + e.subject())
                .contains(
                        "10000 metric-above-target hpa/web",
                        "15000 scale-out hpa/web",
                        "16000 replicas hpa/web",
                        "22000 ready pod/web-c",
                        "0 seen pod/web-a",
                        "16500 created pod/web-d",
                        "2 cordoned node/n1",
                        "3 memory-pressure node/n1",
                        "4 memory-pressure-taint node/n1",
                        "5 memory-pressure-over node/n1",
                        "6 memory-pressure-taint-removed node/n1",
                        "40000 not-ready pod/web-b",
                        "40000 terminating pod/web-b",
                        "41000 deleted pod/web-b");
        Series desired = t.series().stream()
                .filter(s -> s.name().equals("hpa.web.desired"))
                .findFirst()
                .orElseThrow();
        assertThat(desired.points()).containsExactly(new Series.Point(100, 1), new Series.Point(15_000, 3));
        Series ready = t.series().stream()
                .filter(s -> s.name().equals("pods.ready"))
                .findFirst()
                .orElseThrow();
        assertThat(ready.points().get(ready.points().size() - 1).v()).isEqualTo(2);
        assertThat(t.readyNodes()).isZero();
    }

    @Test
    void aContainersMemoryIsASeriesWithItsRequestAndLimit() {
        ClusterTimeline t = new ClusterTimeline();
        long mib = 1 << 20;
        t.observe(new Observed.ContainerUsage(1_000, "web-a", "app", 50, 100 * mib + mib / 3, 96 * mib, 256 * mib));
        t.observe(new Observed.ContainerUsage(11_000, "web-a", "app", 70, 180 * mib, 96 * mib, 256 * mib));
        t.observe(new Observed.ContainerUsage(11_000, "web-b", "app", 30, 90 * mib, 0, 0));

        assertThat(t.series())
                .extracting(s -> s.name() + " " + s.unit() + " " + s.points())
                .contains(
                        "memory/web-a/app MiB [Point[t=1000, v=100.3], Point[t=11000, v=180.0]]",
                        "memory/web-a/app/request MiB [Point[t=1000, v=96.0]]",
                        "memory/web-a/app/limit MiB [Point[t=1000, v=256.0]]",
                        "memory/web-b/app MiB [Point[t=11000, v=90.0]]")
                .noneMatch(s -> s.startsWith("memory/web-b/app/"));
    }

    @Test
    void onlyTheFirstPodsSampledAreKeptSoALargeTargetDoesNotFillTheJournal() {
        ClusterTimeline t = new ClusterTimeline();
        for (int pod = 0; pod < ClusterTimeline.MAX_SAMPLED_PODS + 5; pod++) {
            t.observe(new Observed.ContainerUsage(1_000, "web-" + pod, "app", 10, 1 << 20, 0, 0));
        }
        assertThat(t.series())
                .filteredOn(s -> s.name().startsWith("memory/"))
                .hasSize(ClusterTimeline.MAX_SAMPLED_PODS);
        assertThat(t.observed(Observed.ContainerUsage.class)).hasSize(ClusterTimeline.MAX_SAMPLED_PODS);
    }

    @Test
    void kubeStateIsMetWhenTheWatchedStatusGetsThereWithinTheLimit() throws Exception {
        ClusterTimeline t = new ClusterTimeline();
        t.observe(new Observed.WorkloadStatus(0, "deployment/web", 3, 2, 2));
        var h = new Hypothesis.Kube("back", OptionalInt.of(3), OptionalInt.empty(), Duration.ofSeconds(5));
        Thread.ofVirtual().start(() -> {
            sleep(200);
            t.observe(new Observed.WorkloadStatus(1, "deployment/web", 3, 3, 3));
        });

        HypothesisResult r = KubeStateEvaluator.judge(h, t, "deployment/web");

        assertThat(r.verdict()).isEqualTo(Verdict.PASSED);
        assertThat(r.measured()).isEqualTo("available replicas 3");
    }

    @Test
    void kubeStateFailsWithTheLastValueWhenTimeRunsOut() throws Exception {
        ClusterTimeline t = new ClusterTimeline();
        t.observe(new Observed.WorkloadStatus(0, "deployment/web", 3, 1, 1));
        var h = new Hypothesis.Kube("back", OptionalInt.of(3), OptionalInt.empty(), Duration.ofMillis(100));

        HypothesisResult r = KubeStateEvaluator.judge(h, t, "deployment/web");

        assertThat(r.verdict()).isEqualTo(Verdict.FAILED);
        assertThat(r.measured()).isEqualTo("still available replicas 1 100ms after the run");
    }

    @Test
    void promQlSamplesAreEachCheckedAgainstTheThreshold() {
        var below = new Hypothesis.Prometheus(
                "few-errors", "rate(x[$RUN_DURATION])", Hypothesis.Prometheus.Bound.BELOW, 0.5);

        assertThat(PromQlEvaluator.expand(below.query(), 125_400)).isEqualTo("rate(x[126s])");
        assertThat(PromQlEvaluator.judge(below, List.of(new PromQlEvaluator.Sample("{pod=\"a\"}", 0.1)))
                        .verdict())
                .isEqualTo(Verdict.PASSED);
        HypothesisResult failed = PromQlEvaluator.judge(
                below,
                List.of(
                        new PromQlEvaluator.Sample("{pod=\"a\"}", 0.1),
                        new PromQlEvaluator.Sample("{pod=\"b\"}", 0.75)));
        assertThat(failed.verdict()).isEqualTo(Verdict.FAILED);
        assertThat(failed.measured()).isEqualTo("{pod=\"b\"} 0.7500 is not below 0.5000");
        assertThat(PromQlEvaluator.judge(below, List.of()).verdict()).isEqualTo(Verdict.NOT_EVALUATED);
        assertThat(PromQlEvaluator.judge(below, null, 1000).measured())
                .isEqualTo("no Prometheus configured (--prometheus-url)");
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
