package dev.aftershock.evaluation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aftershock.journal.HypothesisResult;
import dev.aftershock.journal.HypothesisResult.Verdict;
import dev.aftershock.journal.Termination;
import dev.aftershock.model.Hypothesis;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** The memory hypothesis, judged on how the target's terminations ended. */
class MemoryHypothesisTest {
    private static Termination ended(String pod, long at, String how, String qos) {
        return new Termination(
                "node-memory-pressure", "hog", pod, "n1", at, false, null, null, 0L, null, null, null, "", how, qos);
    }

    private static HypothesisResult judge(Hypothesis.Memory h, boolean listed, List<Termination> terminations) {
        ClusterTimeline cluster = new ClusterTimeline();
        if (listed) {
            cluster.markListed();
        }
        Evidence e = new Evidence(
                Optional.empty(), Optional.empty(), cluster, Optional.empty(), 60_000, "deployment/web", terminations);
        return MemoryEvaluator.judge(h, e);
    }

    private static final String EVICTED = "evicted by the kubelet (memory)";

    @Test
    void oomKillsAndEvictionsAreCountedAgainstTheirLimits() {
        List<Termination> ts = List.of(
                ended("a", 1_000, "OOMKilled", "Burstable"),
                ended("b", 2_000, EVICTED, "BestEffort"),
                ended("c", 3_000, "deleted", "Burstable"));

        HypothesisResult within =
                judge(new Hypothesis.Memory("m", OptionalLong.of(1), OptionalLong.of(1), false), true, ts);
        assertThat(within.verdict()).isEqualTo(Verdict.PASSED);
        assertThat(within.measured()).isEqualTo("1 OOM kill(s), 1 eviction(s) by the kubelet");

        HypothesisResult none =
                judge(new Hypothesis.Memory("m", OptionalLong.of(0), OptionalLong.empty(), false), true, ts);
        assertThat(none.verdict()).isEqualTo(Verdict.FAILED);
        assertThat(none.measured())
                .isEqualTo("1 OOM kill(s), at most 0 expected: a (Burstable, node-memory-pressure hog)");
    }

    @Test
    void evictionsOutOfQosOrderFailNamingBothPods() {
        Hypothesis.Memory order = new Hypothesis.Memory("m", OptionalLong.empty(), OptionalLong.empty(), true);
        assertThat(judge(
                                order,
                                true,
                                List.of(
                                        ended("a", 1_000, EVICTED, "BestEffort"),
                                        ended("b", 2_000, EVICTED, "BestEffort"),
                                        ended("c", 3_000, EVICTED, "Burstable")))
                        .verdict())
                .isEqualTo(Verdict.PASSED);
        HypothesisResult wrong = judge(
                order,
                true,
                List.of(ended("a", 1_000, EVICTED, "Burstable"), ended("b", 2_000, EVICTED, "BestEffort")));
        assertThat(wrong.verdict()).isEqualTo(Verdict.FAILED);
        assertThat(wrong.measured()).isEqualTo("pod b (BestEffort) was evicted after pod a (Burstable)");
    }

    @Test
    void onlyMemoryEvictionsCountAndAnUnknownQosClassLeavesTheOrderUnjudged() {
        Hypothesis.Memory none = new Hypothesis.Memory("m", OptionalLong.empty(), OptionalLong.of(0), false);
        assertThat(judge(
                                none,
                                true,
                                List.of(ended("a", 1_000, "evicted by the kubelet (ephemeral-storage)", "BestEffort")))
                        .verdict())
                .as("a disk eviction is not memory's")
                .isEqualTo(Verdict.PASSED);
        Hypothesis.Memory order = new Hypothesis.Memory("m", OptionalLong.empty(), OptionalLong.empty(), true);
        HypothesisResult unknown =
                judge(order, true, List.of(ended("a", 1_000, EVICTED, "BestEffort"), ended("b", 2_000, EVICTED, "")));
        assertThat(unknown.verdict()).isEqualTo(Verdict.NOT_EVALUATED);
        assertThat(unknown.measured()).contains("pod b was evicted with no QoS class known");
    }

    @Test
    void noOrderToJudgeAndNoListingAreNotEvaluated() {
        Hypothesis.Memory order = new Hypothesis.Memory("m", OptionalLong.empty(), OptionalLong.empty(), true);
        assertThat(judge(order, true, List.of(ended("a", 1_000, EVICTED, "BestEffort")))
                        .verdict())
                .isEqualTo(Verdict.NOT_EVALUATED);
        assertThat(judge(new Hypothesis.Memory("m", OptionalLong.of(0), OptionalLong.empty(), false), false, List.of())
                        .verdict())
                .isEqualTo(Verdict.NOT_EVALUATED);
    }
}
