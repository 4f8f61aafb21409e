package dev.aftershock.evaluation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aftershock.journal.FaultRecord;
import dev.aftershock.journal.HypothesisResult.Verdict;
import dev.aftershock.journal.Measurement;
import dev.aftershock.journal.TargetRecord;
import dev.aftershock.journal.Termination;
import dev.aftershock.model.Hypothesis;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** Every pod termination found and attributed, and the shutdown hypothesis judged over all of them. */
class ShutdownHypothesisTest {
    private static final long START = 1_000_000L;

    /** Ten requests a second for 60 s; two failures at 12.5 s. */
    private static LoadRecorder load() {
        LoadRecorder load = new LoadRecorder(START, "http://target");
        for (int s = 0; s < 60; s++) {
            for (int i = 0; i < 10; i++) {
                load.add(new Outcome(START + s * 1000L + i * 100L, 5, 200, "p", "n", null));
            }
        }
        load.add(new Outcome(START + 12_500, 3, 0, null, null, "connect"));
        load.add(new Outcome(START + 12_600, 3, 502, null, null, "http-5xx"));
        return load;
    }

    private static Observed.PodStatus pod(
            long t, String uid, String node, boolean terminating, boolean gone, boolean stopped) {
        return new Observed.PodStatus(
                t,
                uid,
                "web-" + uid,
                node,
                !terminating && !gone,
                terminating,
                gone,
                stopped,
                gone ? Observed.Departure.DELETED : Observed.Departure.NONE);
    }

    /** A fault on one pod of the target, injected at {@code at}. */
    private static FaultRecord podFault(
            String name, String action, long at, TargetRecord.State state, String pod, Measurement... measured) {
        return new FaultRecord(
                name,
                action,
                at,
                null,
                List.of(new TargetRecord("Pod", "ns", pod, state, at, null, "", List.of(measured))));
    }

    /** A timeline whose watches listed these pods, on node-1, serving. */
    private static ClusterTimeline listed(String... uids) {
        ClusterTimeline t = new ClusterTimeline();
        for (String uid : uids) {
            t.observe(pod(0, uid, "node-1", false, false, false));
        }
        t.markListed();
        return t;
    }

    /** Its terminations by a run of 10 s without load. */
    private static List<Termination> of(ClusterTimeline t, FaultRecord... faults) {
        return Terminations.of(new Terminations.Inputs(t, List.of(faults), Optional.empty(), 0, 10_000));
    }

    /**
     * Pod a killed at 10 s, b evicted by a drain at 20 s, d signalled at 30 s, c deleted at 40 s after a
     * scale-in at 38 s, d deleted at 50 s by no one known.
     */
    private static ClusterTimeline timeline() {
        ClusterTimeline t = new ClusterTimeline();
        for (String uid : List.of("a", "b", "c", "d")) {
            t.observe(pod(0, uid, uid.equals("b") ? "node-2" : "node-1", false, false, false));
            t.observe(new Observed.RotationStatus(0, uid, true));
        }
        t.markListed();
        t.markRotationWatched();
        // a: out of rotation 40 ms after the kill, stopped at 13.1 s, gone at 13.2 s.
        t.observe(pod(10_020, "a", "node-1", true, false, false));
        t.observe(new Observed.RotationStatus(10_040, "a", false));
        t.observe(pod(13_100, "a", "node-1", true, false, true));
        t.observe(pod(13_200, "a", "node-1", true, true, true));
        // b: its process exits at 20.3 s, out of rotation only at 21 s.
        t.observe(pod(20_000, "b", "node-2", true, false, false));
        t.observe(pod(20_300, "b", "node-2", true, false, true));
        t.observe(new Observed.RotationStatus(21_000, "b", false));
        t.observe(pod(21_500, "b", "node-2", true, true, true));
        // c: an HPA scale-in, then a deletion still going on at the end.
        t.observe(new Observed.HpaStatus(30_000, "web", 4, 4, 2, 6, "cpu", 50.0, 60.0));
        t.observe(new Observed.HpaStatus(38_000, "web", 4, 3, 2, 6, "cpu", 20.0, 60.0));
        t.observe(pod(40_000, "c", "node-1", true, false, false));
        t.observe(new Observed.RotationStatus(40_030, "c", false));
        // d: signalled at 30 s, exited 250 ms later and out of rotation only at 31 s; deleted by someone else later.
        t.observe(new Observed.RotationStatus(31_000, "d", false));
        // The scale-in at 38 s was by one pod, c: d, 12 s after it, has no known cause.
        t.observe(pod(50_000, "d", "node-1", true, false, false));
        t.observe(pod(51_000, "d", "node-1", true, true, true));
        return t;
    }

    private static List<FaultRecord> faults() {
        return List.of(
                podFault("kill", "pod-kill", 10_000, TargetRecord.State.NOT_RECOVERABLE, "web-a"),
                new FaultRecord(
                        "drain",
                        "node-drain",
                        19_990,
                        5_000L,
                        List.of(new TargetRecord(
                                "Node",
                                null,
                                "node-2",
                                TargetRecord.State.RECOVERED,
                                19_990L,
                                25_000L,
                                "",
                                List.of(new Measurement(ShutdownTraffic.PODS_EVICTED, 1, "count"))))),
                podFault(
                        "signal",
                        "container-signal",
                        30_000,
                        TargetRecord.State.NOT_RECOVERABLE,
                        "web-d",
                        new Measurement(ShutdownTraffic.SIGNAL, 15, ""),
                        new Measurement(ShutdownTraffic.PROCESS_EXITED_AFTER, 250, "ms")));
    }

    private static List<Termination> terminations() {
        return Terminations.of(new Terminations.Inputs(timeline(), faults(), Optional.of(load()), 0, 55_000));
    }

    @Test
    void everyTerminationIsFoundWithItsCauseAndTimes() {
        List<Termination> all = terminations();

        assertThat(all).extracting(Termination::pod).containsExactly("web-a", "web-b", "web-d", "web-c", "web-d");
        Termination kill = all.get(0);
        assertThat(kill.causeText()).isEqualTo("pod-kill kill");
        assertThat(kill.atMs()).as("the kill's own moment").isEqualTo(10_000);
        assertThat(kill.outOfRotationAfterMs()).isEqualTo(40);
        assertThat(kill.exitedAfterMs()).isEqualTo(3_100);
        assertThat(kill.goneAfterMs()).isEqualTo(3_200);
        assertThat(kill.exitedInRotation()).isFalse();
        // Seconds 10 through 14 (13.2 s gone, and the second after).
        assertThat(kill.requests()).isEqualTo(52);
        assertThat(kill.failedRequests()).isEqualTo(2);

        Termination drained = all.get(1);
        assertThat(drained.causeText()).isEqualTo("node-drain drain");
        assertThat(drained.exitedInRotation())
                .as("exited at 300 ms, out of rotation at 1 s")
                .isTrue();

        Termination signalled = all.get(2);
        assertThat(signalled.signalled()).isTrue();
        assertThat(signalled.causeText()).isEqualTo("container-signal signal");
        assertThat(signalled.exitedAfterMs()).isEqualTo(250);
        assertThat(signalled.endedAfterMs()).isEqualTo(250);
        assertThat(signalled.goneAfterMs()).isNull();

        Termination scaledIn = all.get(3);
        assertThat(scaledIn.causeText()).isEqualTo("scale-in hpa/web");
        assertThat(scaledIn.goneAfterMs()).as("still terminating at the end").isNull();
        assertThat(scaledIn.endedAfterMs()).isNull();

        Termination other = all.get(4);
        assertThat(other.cause()).isEqualTo("other");
        assertThat(other.wasInRotation()).isFalse();
        assertThat(other.outOfRotationAfterMs()).isNull();
    }

    @Test
    void aPodAlreadyTerminatingWhenFirstSeenBeganBeforeTheRunAndIsLeftOut() {
        ClusterTimeline t = new ClusterTimeline();
        t.observe(pod(0, "old", "node-1", true, false, false));
        t.markListed();
        t.observe(pod(2_000, "old", "node-1", true, true, true));

        assertThat(of(t)).isEmpty();
    }

    @Test
    void withoutTheEndpointSliceWatchRotationIsNotMeasuredRatherThanGuessed() {
        ClusterTimeline t = listed("a");
        t.observe(pod(5_000, "a", "node-1", true, false, false));
        t.observe(pod(6_000, "a", "node-1", true, true, true));

        Termination only = of(t).get(0);
        assertThat(only.wasInRotation()).isNull();
        assertThat(only.requests()).as("no load").isNull();
        Evidence evidence = evidence(t, List.of(only), Optional.empty());
        assertThat(ShutdownEvaluator.judge(hypothesis(null, true, null), evidence)
                        .verdict())
                .isEqualTo(Verdict.NOT_EVALUATED);
    }

    private static Hypothesis.Shutdown hypothesis(Long maxFailed, Boolean outBeforeExit, Duration maxTime) {
        return new Hypothesis.Shutdown(
                "graceful",
                maxFailed == null ? OptionalLong.empty() : OptionalLong.of(maxFailed),
                Optional.ofNullable(outBeforeExit),
                Optional.ofNullable(maxTime));
    }

    private static Evidence evidence(ClusterTimeline t, List<Termination> all, Optional<LoadRecorder> load) {
        return new Evidence(load, Optional.empty(), t, Optional.empty(), 55_000, "deployment/web", all);
    }

    @Test
    void aFailureNamesEachPodWithItsCause() {
        var result = ShutdownEvaluator.judge(
                hypothesis(0L, true, Duration.ofSeconds(5)), evidence(timeline(), terminations(), Optional.of(load())));

        assertThat(result.verdict()).isEqualTo(Verdict.FAILED);
        assertThat(result.measured())
                .startsWith("4 of 5 termination(s) not as expected: ")
                .contains("pod web-a (pod-kill kill): 2 of 52 requests failed")
                .contains("pod web-b (node-drain drain): exited after 300 ms, out of rotation only after 1.00 s")
                .contains("pod web-d (container-signal signal): exited after 250 ms, out of rotation only after 1.00 s")
                .contains("pod web-c (scale-in hpa/web): still terminating when the run ended");
        assertThat(result.evidence())
                .contains(
                        new Measurement("pod terminations", 5, "count"),
                        new Measurement("most failed requests in one termination", 2, "count"),
                        new Measurement("exited while still in rotation", 2, "count"));
    }

    @Test
    void passesWhenEveryTerminationIsWithinTheBounds() {
        var result = ShutdownEvaluator.judge(
                hypothesis(2L, null, Duration.ofSeconds(4)),
                evidence(
                        timeline(),
                        terminations().stream()
                                .filter(t -> t.endedAfterMs() != null)
                                .toList(),
                        Optional.of(load())));

        assertThat(result.verdict()).as(result.measured()).isEqualTo(Verdict.PASSED);
        assertThat(result.measured()).isEqualTo("4 termination(s), each as expected");
        assertThat(result.evidence()).contains(new Measurement("longest termination", 3_200, "ms"));
    }

    @Test
    void aRunWithoutAnyTerminationIsNotEvaluatedNeverPassed() {
        var result = ShutdownEvaluator.judge(
                hypothesis(null, null, Duration.ofSeconds(4)), evidence(timeline(), List.of(), Optional.empty()));

        assertThat(result.verdict()).isEqualTo(Verdict.NOT_EVALUATED);
        assertThat(result.measured()).contains("no pod of deployment/web terminated during the run");
    }

    @Test
    void failedRequestsWithoutDeliveredLoadAreNotEvaluated() {
        var result = ShutdownEvaluator.judge(
                hypothesis(0L, null, null),
                new Evidence(
                        Optional.of(load()),
                        Optional.of("the load driver stopped after 3 s"),
                        timeline(),
                        Optional.empty(),
                        55_000,
                        "deployment/web",
                        terminations()));

        assertThat(result.verdict()).isEqualTo(Verdict.NOT_EVALUATED);
        assertThat(result.measured()).contains("the load driver stopped after 3 s");
    }

    @Test
    void aPodThatLeftTheSelectorWasNotTerminatedAndAFailedKillIsNotACause() {
        ClusterTimeline t = listed("a", "b");
        t.observe(new Observed.PodStatus(
                3_000, "a", "web-a", "node-1", false, false, true, false, Observed.Departure.LEFT_SELECTOR));
        t.observe(pod(4_000, "b", "node-1", true, false, false));
        FaultRecord failedKill = podFault("kill", "pod-kill", 3_900, TargetRecord.State.INJECTION_FAILED, "web-b");

        List<Termination> all = of(t, failedKill);

        assertThat(all).singleElement().satisfies(only -> {
            assertThat(only.pod()).isEqualTo("web-b");
            assertThat(only.cause()).isEqualTo("other");
        });
    }

    @Test
    void whatCouldNotBeTimedMakesTheHypothesisNotEvaluatedNamingThePod() {
        ClusterTimeline t = listed("a", "d");
        // Found deleted at a relist: when is not known.
        t.observe(new Observed.PodStatus(
                5_000, "a", "web-a", "node-1", false, false, true, true, Observed.Departure.DELETED_UNWATCHED));
        // Signalled, and its follow-up had not measured the exit by the verdict.
        FaultRecord signal = podFault(
                "signal",
                "container-signal",
                2_000,
                TargetRecord.State.NOT_RECOVERABLE,
                "web-d",
                new Measurement(ShutdownTraffic.SIGNAL, 15, ""));

        List<Termination> all = of(t, signal);
        var result = ShutdownEvaluator.judge(
                hypothesis(null, null, Duration.ofSeconds(30)), evidence(t, all, Optional.empty()));

        assertThat(result.verdict()).isEqualTo(Verdict.NOT_EVALUATED);
        assertThat(result.measured())
                .contains("pod web-a (other): deleted while the pod watch was away")
                .contains(
                        "pod web-d (container-signal signal): its exit was not measured (the helper did not say, or not yet)");
    }

    @Test
    void terminationsAfterTheTimelineEndedAreNotTheExperimentsAndRequestsInFlightAtTheStartCount() {
        ClusterTimeline t = listed("a", "b");
        t.observe(pod(13_000, "a", "node-1", true, false, false));
        t.observe(pod(13_500, "a", "node-1", true, true, true));
        t.observe(pod(56_000, "b", "node-1", true, false, false));

        // A 2 s request timeout: the failures at 12.5 s were in flight when a began at 13 s.
        List<Termination> all =
                Terminations.of(new Terminations.Inputs(t, List.of(), Optional.of(load()), 2_000, 55_000));

        assertThat(all).singleElement().satisfies(a -> {
            assertThat(a.pod()).isEqualTo("web-a");
            assertThat(a.failedRequests()).isEqualTo(2);
        });
    }

    @Test
    void aPodWatchThatNeverListedCannotVouchForEveryTermination() {
        ClusterTimeline t = new ClusterTimeline();
        t.observe(pod(0, "a", "node-1", false, false, false));
        t.observe(pod(5_000, "a", "node-1", true, true, true));
        List<Termination> all = of(t);

        var result = ShutdownEvaluator.judge(
                hypothesis(null, null, Duration.ofSeconds(30)), evidence(t, all, Optional.empty()));

        assertThat(result.verdict()).isEqualTo(Verdict.NOT_EVALUATED);
        assertThat(result.measured()).contains("the run's watches had not listed");
    }

    @Test
    void aPodListedAtTheStartAndKilledWithinASecondWasInRotation() {
        ClusterTimeline t = new ClusterTimeline();
        t.observe(pod(60, "a", "node-1", false, false, false));
        t.observe(new Observed.RotationStatus(60, "a", true));
        t.markListed();
        t.markRotationWatched();
        t.observe(pod(1_010, "a", "node-1", true, false, false));
        t.observe(new Observed.RotationStatus(1_040, "a", false));
        t.observe(pod(3_000, "a", "node-1", true, true, true));

        Termination only = of(t).get(0);

        assertThat(only.wasInRotation()).isTrue();
        assertThat(only.outOfRotationAfterMs()).isEqualTo(30);
    }

    @Test
    void aPodThatLeftRotationWellBeforeItsDeletionWasNotInRotation() {
        ClusterTimeline t = new ClusterTimeline();
        t.observe(pod(0, "a", "node-1", false, false, false));
        t.observe(new Observed.RotationStatus(0, "a", true));
        t.markListed();
        t.markRotationWatched();
        t.observe(new Observed.RotationStatus(2_000, "a", false));
        t.observe(pod(8_000, "a", "node-1", true, false, false));

        Termination only = of(t).get(0);

        assertThat(only.wasInRotation()).isFalse();
        assertThat(only.outOfRotationAfterMs()).isNull();
    }

    @Test
    void aPodThatWasTerminatingWhenTheWatchWentAwayCannotBeTimed() {
        ClusterTimeline t = listed("a");
        t.observe(pod(2_000, "a", "node-1", true, false, false));
        t.observe(new Observed.PodStatus(
                6_000, "a", "web-a", "node-1", false, true, true, true, Observed.Departure.DELETED_UNWATCHED));

        assertThat(of(t))
                .singleElement()
                .satisfies(a -> assertThat(a.unmeasured()).startsWith("deleted while the pod watch was away"));
    }

    @Test
    void aSignalIsTheSignalledPodsEvenWhenASuccessorTakesItsName() {
        ClusterTimeline t = listed("a");
        t.markRotationWatched();
        t.observe(new Observed.RotationStatus(0, "a", true));
        // a is deleted, and a successor of the same name (a StatefulSet's) comes on another node.
        t.observe(pod(4_000, "a", "node-1", true, true, true));
        t.observe(new Observed.RotationStatus(4_010, "a", false));
        t.observe(new Observed.PodStatus(5_000, "a2", "web-a", "node-2", true, false, false));
        FaultRecord signal = podFault(
                "signal",
                "container-signal",
                2_000,
                TargetRecord.State.NOT_RECOVERABLE,
                "web-a",
                new Measurement(ShutdownTraffic.SIGNAL, 15, ""),
                new Measurement(ShutdownTraffic.PROCESS_EXITED_AFTER, 300, "ms"));

        Termination signalled = of(t, signal).stream()
                .filter(Termination::signalled)
                .findFirst()
                .orElseThrow();

        assertThat(signalled.node()).isEqualTo("node-1");
        assertThat(signalled.wasInRotation()).isTrue();
        assertThat(signalled.exitedInRotation())
                .as("exited at 300 ms, out of rotation at 2 s")
                .isTrue();
    }

    @Test
    void afterTheTimelineEndedOnlyWhatAFaultOfTheRunBeganIsListed() {
        ClusterTimeline t = listed("a", "b");
        t.observe(pod(12_000, "a", "node-1", true, false, false));
        t.observe(pod(17_000, "b", "node-1", true, false, false));
        FaultRecord restart = new FaultRecord(
                "restart",
                "rollout-restart",
                8_000,
                null,
                List.of(new TargetRecord(
                        "Deployment",
                        "ns",
                        "web",
                        TargetRecord.State.NOT_RECOVERABLE,
                        8_000L,
                        null,
                        "",
                        List.of(new Measurement(ShutdownTraffic.ROLLOUT_TOOK, 3_000, "ms")))));

        // The rollout (done at 11 s, plus 5 s of slack) began a's termination; b's, at 17 s, is no one's.
        assertThat(of(t, restart)).extracting(Termination::pod).containsExactly("web-a");
    }
}
