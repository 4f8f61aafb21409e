package dev.aftershock.evaluation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aftershock.journal.HypothesisResult;
import dev.aftershock.journal.HypothesisResult.Verdict;
import dev.aftershock.model.Hypothesis;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/**
 * The traffic hypothesis, judged on who served each request as the target said (pod, node, the
 * client address it saw), joined with the target's pods: three pods, two on node-1, one on node-2.
 */
class TrafficHypothesisTest {
    private static final String LOAD = "10.201.0.1";

    private static ClusterTimeline threePods() {
        ClusterTimeline t = new ClusterTimeline();
        t.observe(new Observed.PodStatus(0, "a", "web-a", "node-1", true, false, false));
        t.observe(new Observed.PodStatus(0, "b", "web-b", "node-1", true, false, false));
        t.observe(new Observed.PodStatus(0, "c", "web-c", "node-2", true, false, false));
        // The EndpointSlice watch lists them in rotation when it begins: no change.
        for (String uid : List.of("a", "b", "c")) {
            t.observe(new Observed.RotationStatus(100, uid, true));
        }
        t.markListed();
        t.markRotationWatched();
        return t;
    }

    /** 30 requests a second for 20 s, served round-robin by the pods given, seen from that client. */
    private static LoadRecorder load(List<String> pods, String client, int failedAt) {
        LoadRecorder r = new LoadRecorder(0, "http://web");
        r.sourceAddress(LOAD);
        int i = 0;
        for (long s = 0; s < 20; s++) {
            for (int k = 0; k < 30; k++) {
                String pod = pods.get(i++ % pods.size());
                String node = pod.equals("web-c") ? "node-2" : "node-1";
                boolean failed = s == failedAt && k < 3;
                r.add(new Outcome(
                        s * 1000 + k * 30,
                        5,
                        failed ? 0 : 200,
                        failed ? null : pod,
                        failed ? null : node,
                        failed ? "connect" : null,
                        failed ? null : client));
            }
        }
        return r;
    }

    private static Hypothesis.Traffic traffic(Double podSkew, Double nodeSkew, Boolean preserved, Long errors) {
        return new Hypothesis.Traffic(
                "spread",
                "web",
                Optional.ofNullable(podSkew),
                Optional.ofNullable(nodeSkew),
                Optional.ofNullable(preserved),
                errors == null ? OptionalLong.empty() : OptionalLong.of(errors));
    }

    private static HypothesisResult judge(Hypothesis.Traffic h, ClusterTimeline t, LoadRecorder load) {
        return TrafficEvaluator.judge(
                h,
                new Evidence(
                        Optional.of(load), Optional.empty(), t, Optional.empty(), 20_000, "deployment/web", List.of()));
    }

    /** Local, with the load on node-2's NodePort: all to its one pod, and the client's own address. */
    @Test
    void allToOnePodOfThreeIsASkewOfThreeAndItsNodeToo() {
        HypothesisResult r = judge(traffic(1.5, 1.5, true, null), threePods(), load(List.of("web-c"), LOAD, -1));

        assertThat(r.verdict()).isEqualTo(Verdict.FAILED);
        assertThat(r.measured())
                .contains("pod web-c had 3.00 times an even split over 3 pods, at most 1.50 expected")
                .contains("node node-2 had 3.00 times what an even split over pods gives it")
                .doesNotContain("address");
        assertThat(r.evidence())
                .extracting(m -> m.name() + "=" + m.shown())
                .contains(
                        "share of pod web-a=0 %",
                        "share of pod web-c=100 %", "pod skew=3 times", "client address preserved=100 %");
    }

    /** Cluster: an even spread, and every pod saw a node's address instead of the client's. */
    @Test
    void anEvenSpreadWithTheSourceRewrittenPassesTheSkewAndFailsThePreservation() {
        LoadRecorder even = load(List.of("web-a", "web-b", "web-c"), "10.201.0.12", -1);

        HypothesisResult r = judge(traffic(1.5, 1.5, true, null), threePods(), even);

        assertThat(r.verdict()).isEqualTo(Verdict.FAILED);
        assertThat(r.measured())
                .contains("the pods saw the load's address 10.201.0.1 in 0.0 % of requests (they saw 10.201.0.12)")
                .doesNotContain("times an even split");
        HypothesisResult rewritten = judge(traffic(1.5, 1.5, false, null), threePods(), even);
        assertThat(rewritten.verdict()).as(rewritten.measured()).isEqualTo(Verdict.PASSED);
        assertThat(rewritten.measured()).contains("pod web-a had 1.00 times", "no pod saw the load's address");
    }

    @Test
    void aTargetThatNeverSaysWhoServedIsNotEvaluated() {
        LoadRecorder silent = new LoadRecorder(0, "http://web");
        silent.add(new Outcome(0, 5, 200, null, null, null));

        assertThat(judge(traffic(1.5, null, null, null), threePods(), silent).verdict())
                .isEqualTo(Verdict.NOT_EVALUATED);
    }

    @Test
    void theLoadsOwnAddressUnknownLeavesPreservationUnjudged() {
        LoadRecorder r = new LoadRecorder(0, "http://web");
        r.add(new Outcome(0, 5, 200, "web-a", "node-1", null, LOAD));

        HypothesisResult h = judge(traffic(null, null, true, null), threePods(), r);

        assertThat(h.verdict()).isEqualTo(Verdict.NOT_EVALUATED);
        assertThat(h.measured()).contains("the load's own address toward the target is not known");
    }

    /** Three requests failed in second 10; pod b left rotation at 9.5 s: they are around that change. */
    @Test
    void errorsAroundAnEndpointChangeCountAndWithoutOneThereIsNothingToJudge() {
        LoadRecorder failing = load(List.of("web-a", "web-b", "web-c"), LOAD, 10);

        assertThat(judge(traffic(null, null, null, 0L), threePods(), failing).measured())
                .contains("no endpoint of the target moved");
        ClusterTimeline moved = threePods();
        moved.observe(new Observed.RotationStatus(9_500, "b", false));
        HypothesisResult r = judge(traffic(null, null, null, 0L), moved, failing);
        assertThat(r.verdict()).isEqualTo(Verdict.FAILED);
        assertThat(r.measured()).contains("3 failed request(s) around 1 endpoint change(s), at most 0 expected");
        assertThat(judge(traffic(null, null, null, 3L), moved, failing).verdict())
                .isEqualTo(Verdict.PASSED);
    }

    @Test
    void sharesOverTimeAreSeriesPerPodAndNode() {
        var series = load(List.of("web-c"), LOAD, -1).trafficSeries(5);

        assertThat(series).extracting(s -> s.name()).containsExactly("traffic/node/node-2", "traffic/pod/web-c");
        assertThat(series.get(1).points())
                .hasSize(4)
                .allSatisfy(p -> assertThat(p.v()).isEqualTo(100.0));
    }

    /** A header that names something else than the pods and nodes the watch saw cannot be judged. */
    @Test
    void namesTheWatchDoesNotKnowAreNotJudgedAsSkew() {
        LoadRecorder r = new LoadRecorder(0, "http://web");
        r.sourceAddress(LOAD);
        for (int i = 0; i < 90; i++) {
            String host = "10.0.0." + (i % 3);
            r.add(new Outcome(i * 100L, 5, 200, host, host, null, LOAD));
        }

        HypothesisResult podsUnknown = judge(traffic(1.5, 1.5, null, null), threePods(), r);
        assertThat(podsUnknown.verdict()).isEqualTo(Verdict.NOT_EVALUATED);
        assertThat(podsUnknown.measured())
                .contains("100.0 % of the requests were served by pods the watch does not know");

        LoadRecorder nodesUnknown = new LoadRecorder(0, "http://web");
        for (int i = 0; i < 90; i++) {
            String pod = List.of("web-a", "web-b", "web-c").get(i % 3);
            nodesUnknown.add(new Outcome(i * 100L, 5, 200, pod, "ip-10-0-0-" + (i % 3), null, LOAD));
        }
        HypothesisResult nodes = judge(traffic(null, 1.5, null, null), threePods(), nodesUnknown);
        assertThat(nodes.verdict()).isEqualTo(Verdict.NOT_EVALUATED);
        assertThat(nodes.measured()).contains("where the watch saw none of the pods");
    }

    @Test
    void aLoadFromLoopbackSaysNothingOfThePolicy() {
        LoadRecorder r = new LoadRecorder(0, "http://127.0.0.1:8080");
        r.sourceAddress("127.0.0.1");
        r.add(new Outcome(0, 5, 200, "web-a", "node-1", null, "127.0.0.1"));

        HypothesisResult h = judge(traffic(null, null, true, null), threePods(), r);

        assertThat(h.verdict()).isEqualTo(Verdict.NOT_EVALUATED);
        assertThat(h.measured()).contains("a loopback or link-local address");
    }

    @Test
    void aHeaderThatChangesWithEveryRequestIsCappedNotKept() {
        LoadRecorder r = new LoadRecorder(0, "http://web");
        for (int i = 0; i < 1_000; i++) {
            r.add(new Outcome(i, 5, 200, "pod-" + i, "node-1", null, "10.0.0." + i));
        }

        assertThat(r.servedBy(0, 10).pods())
                .hasSize(LoadRecorder.MAX_SERVED_NAMES + 1)
                .containsKey("(other)");
    }
}
