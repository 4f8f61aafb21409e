package dev.aftershock.evaluation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aftershock.journal.HypothesisResult;
import dev.aftershock.journal.HypothesisResult.Verdict;
import dev.aftershock.journal.Termination;
import dev.aftershock.model.Hypothesis;
import dev.aftershock.model.Percent;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The vpa hypothesis, judged on the VPA's status as it changed and on the containers' use. */
class VpaHypothesisTest {
    private static final long MIB = 1 << 20;

    private static Observed.VpaStatus status(long t, long cpuTarget, long memoryTargetMib) {
        return new Observed.VpaStatus(
                t,
                "web",
                "deployment/web",
                cpuTarget < 0
                        ? List.of()
                        : List.of(new Observed.VpaRecommendation(
                                "app", cpuTarget, memoryTargetMib * MIB, 10, 100 * MIB, 2000, 2000 * MIB)));
    }

    /** Ten samples each of two pods: CPU 100m to 280m (P90 240m), memory up to 300 MiB. */
    private static ClusterTimeline timeline(Observed.VpaStatus... statuses) {
        ClusterTimeline t = new ClusterTimeline();
        t.markListed();
        t.markVpasListed();
        for (int i = 0; i < 10; i++) {
            t.observe(
                    new Observed.ContainerUsage(i * 10_000L, "web-a", "app", 100 + 20 * i, (200 + 10 * i) * MIB, 0, 0));
            t.observe(new Observed.ContainerUsage(i * 10_000L, "web-b", "app", 100, 150 * MIB, 0, 0));
        }
        for (Observed.VpaStatus s : statuses) {
            t.observe(s);
        }
        return t;
    }

    private static Termination oomKill(long at) {
        return new Termination(
                "memory-oom",
                "leak",
                "web-a",
                "n1",
                at,
                true,
                null,
                null,
                0L,
                null,
                null,
                null,
                "",
                "OOMKilled",
                "Burstable");
    }

    private static HypothesisResult judge(Hypothesis.Vpa h, ClusterTimeline t, List<Termination> terminations) {
        return VpaEvaluator.judge(
                h,
                new Evidence(
                        Optional.empty(),
                        Optional.empty(),
                        t,
                        Optional.empty(),
                        100_000,
                        "deployment/web",
                        terminations));
    }

    private static Hypothesis.Vpa vpa(
            Optional<Duration> within,
            Optional<Hypothesis.Vpa.Bounds> cpu,
            Optional<Hypothesis.Vpa.Bounds> memory,
            Optional<Duration> oom) {
        return new Hypothesis.Vpa("sized", Optional.empty(), Optional.empty(), within, cpu, memory, oom);
    }

    private static Optional<Hypothesis.Vpa.Bounds> covers(String over) {
        return Optional.of(new Hypothesis.Vpa.Bounds(true, Optional.of(Percent.parse(over))));
    }

    @Test
    void aRecommendationInTimeThatCoversTheUseWithinBoundsPasses() {
        // CPU used: 20 samples, P90 (the 18th) 240m; memory peak 290 MiB.
        ClusterTimeline t = timeline(status(5_000, -1, 0), status(20_000, 300, 250), status(60_000, 300, 320));
        HypothesisResult r = judge(
                vpa(Optional.of(Duration.ofSeconds(30)), covers("50%"), covers("50%"), Optional.empty()), t, List.of());

        assertThat(r.verdict()).as(r.measured()).isEqualTo(Verdict.PASSED);
        assertThat(r.measured())
                .contains("first recommendation after 20.0 s")
                .contains("app CPU target 300m against the P90 used 240m")
                .contains("app memory target 320 MiB against the peak used 290 MiB");
        assertThat(r.evidence())
                .extracting(m -> m.name() + " " + m.value())
                .contains("first recommendation after 20000.0", "target changes 2.0", "app cpu used p90 240.0");
    }

    @Test
    void aLateRecommendationAndTargetsOutOfBoundsFailNamingTheMeasuredAndTheExpected() {
        ClusterTimeline t = timeline(status(1_000, -1, 0), status(50_000, 200, 900));
        HypothesisResult r = judge(
                vpa(Optional.of(Duration.ofSeconds(30)), covers("50%"), covers("100%"), Optional.empty()),
                t,
                List.of());

        assertThat(r.verdict()).isEqualTo(Verdict.FAILED);
        assertThat(r.expected())
                .isEqualTo("a recommendation within 30s, CPU target at least the P90 used, at most 50% above it,"
                        + " memory target at least the peak used, at most 100% above it");
        assertThat(r.measured())
                .contains("the first recommendation came after 50.0 s, within 30s expected")
                .contains("app CPU target 200m is below the P90 used (240m): under-provisioned")
                .contains("app memory target 900 MiB is more than 100% above the peak used (290 MiB)");
    }

    @Test
    void theMemoryTargetMustRiseAfterEachOomKillInTime() {
        Termination kill = oomKill(30_000);
        ClusterTimeline t = timeline(status(10_000, 300, 250), status(45_000, 300, 363));
        Hypothesis.Vpa soon =
                vpa(Optional.empty(), Optional.empty(), Optional.empty(), Optional.of(Duration.ofSeconds(20)));
        HypothesisResult r = judge(soon, t, List.of(kill));
        assertThat(r.verdict()).as(r.measured()).isEqualTo(Verdict.PASSED);
        assertThat(r.measured())
                .contains("memory target 363 MiB after pod web-a's OOM kill, 250 MiB before, 15.0 s later");

        Hypothesis.Vpa tooSoon =
                vpa(Optional.empty(), Optional.empty(), Optional.empty(), Optional.of(Duration.ofSeconds(10)));
        assertThat(judge(tooSoon, t, List.of(kill)).measured())
                .contains("the memory target did not rise within 10s of pod web-a's OOM kill (it did after 15.0 s)");
        HypothesisResult noKill = judge(soon, t, List.of());
        assertThat(noKill.verdict()).isEqualTo(Verdict.NOT_EVALUATED);
        assertThat(noKill.measured()).isEqualTo("no OOM kill in the run to react to");
        Termination late = oomKill(90_000);
        assertThat(judge(soon, t, List.of(late)).measured())
                .isEqualTo("the run ended 10.0 s after pod web-a's OOM kill, before 20s had passed");
        // A first recommendation after the kill is no bump.
        ClusterTimeline first = timeline(status(10_000, -1, 0), status(45_000, 300, 363));
        assertThat(judge(soon, first, List.of(kill)).measured())
                .isEqualTo("the VPA had no memory target before pod web-a's OOM kill: no rise can be told");
    }

    @Test
    void noVpaFailsAndNoUseMeasuredIsNotEvaluated() {
        Hypothesis.Vpa h = vpa(Optional.empty(), covers("50%"), Optional.empty(), Optional.empty());
        HypothesisResult none = judge(h, timeline(), List.of());
        assertThat(none.verdict()).isEqualTo(Verdict.FAILED);
        assertThat(none.measured()).isEqualTo("no VerticalPodAutoscaler of deployment/web was seen");

        ClusterTimeline unmeasured = new ClusterTimeline();
        unmeasured.markListed();
        unmeasured.markVpasListed();
        unmeasured.observe(status(1_000, 300, 250));
        HypothesisResult r = judge(h, unmeasured, List.of());
        assertThat(r.verdict()).isEqualTo(Verdict.NOT_EVALUATED);
        assertThat(r.measured()).contains("the metrics API measured the use of container app 0 time(s), fewer than 3");

        ClusterTimeline unlisted = new ClusterTimeline();
        unlisted.markListed();
        HypothesisResult notListed = judge(h, unlisted, List.of());
        assertThat(notListed.verdict()).isEqualTo(Verdict.NOT_EVALUATED);
        assertThat(notListed.measured()).startsWith("the namespace's VerticalPodAutoscalers could not be listed");
    }

    @Test
    void aRecommendationThatPredatesTheRunIsNotTimedAndANamedVpaOfAnotherWorkloadFails() {
        ClusterTimeline t = timeline(status(100, 300, 320));
        HypothesisResult r = judge(
                vpa(Optional.of(Duration.ofSeconds(30)), Optional.empty(), Optional.empty(), Optional.empty()),
                t,
                List.of());
        assertThat(r.verdict()).isEqualTo(Verdict.NOT_EVALUATED);
        assertThat(r.measured()).contains("the VPA had a recommendation when the run began");

        Hypothesis.Vpa named = new Hypothesis.Vpa(
                "sized",
                Optional.of("web"),
                Optional.empty(),
                Optional.empty(),
                covers("50%"),
                Optional.empty(),
                Optional.empty());
        HypothesisResult other = VpaEvaluator.judge(
                named,
                new Evidence(
                        Optional.empty(),
                        Optional.empty(),
                        t,
                        Optional.empty(),
                        100_000,
                        "deployment/shop",
                        List.of()));
        assertThat(other.verdict()).isEqualTo(Verdict.FAILED);
        assertThat(other.measured()).contains("vpa/web targets deployment/web, not the experiment's deployment/shop");
    }
}
