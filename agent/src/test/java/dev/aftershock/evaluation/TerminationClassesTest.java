package dev.aftershock.evaluation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aftershock.journal.FaultRecord;
import dev.aftershock.journal.Measurement;
import dev.aftershock.journal.TargetRecord;
import dev.aftershock.journal.Termination;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** How each pod termination ended, from the watched status transitions, and which fault (if any) caused it. */
class TerminationClassesTest {
    private static Observed.PodStatus pod(long t, String uid, String node, boolean terminating, boolean gone) {
        return new Observed.PodStatus(
                t,
                uid,
                "web-" + uid,
                node,
                !terminating && !gone,
                terminating,
                gone,
                gone,
                gone ? Observed.Departure.DELETED : Observed.Departure.NONE,
                "Burstable");
    }

    private static ClusterTimeline listed(String... uids) {
        ClusterTimeline t = new ClusterTimeline();
        for (String uid : uids) {
            t.observe(pod(0, uid, "node-1", false, false));
        }
        t.markListed();
        return t;
    }

    private static List<Termination> of(ClusterTimeline t, FaultRecord... faults) {
        return Terminations.of(new Terminations.Inputs(t, List.of(faults), Optional.empty(), 0, 60_000));
    }

    private static FaultRecord fault(
            String name, String action, String kind, String target, long at, Long recovered, Measurement... measured) {
        return new FaultRecord(
                name,
                action,
                at,
                null,
                List.of(new TargetRecord(
                        kind,
                        kind.equals("Pod") ? "ns" : null,
                        target,
                        recovered == null ? TargetRecord.State.INJECTED : TargetRecord.State.RECOVERED,
                        at,
                        recovered,
                        "",
                        List.of(measured))));
    }

    @Test
    void aKubeletEvictionUnderANodeFaultIsItsOwnAndTheLaterDeletionIsNotASecondTermination() {
        ClusterTimeline t = listed("a");
        t.observe(new Observed.PodDisrupted(
                20_000,
                "a",
                "web-a",
                "node-1",
                "BestEffort",
                "TerminationByKubelet",
                true,
                true,
                "Evicted",
                "The node was low on resource: memory. Threshold quantity: 256Mi, available: 201Mi."));
        t.observe(new Observed.PodStatus(
                20_400, "a", "web-a", "node-1", false, false, false, true, Observed.Departure.NONE, "BestEffort"));
        t.observe(pod(40_000, "a", "node-1", true, false));
        t.observe(pod(40_100, "a", "node-1", true, true));

        assertThat(of(t, fault("hog", "node-memory-pressure", "Node", "node-1", 10_000, 50_000L)))
                .singleElement()
                .satisfies(x -> {
                    assertThat(x.causeText()).isEqualTo("node-memory-pressure hog");
                    assertThat(x.how()).isEqualTo("evicted by the kubelet (memory)");
                    assertThat(x.evictedByTheKubelet()).isTrue();
                    assertThat(x.qos()).isEqualTo("BestEffort");
                    assertThat(x.atMs()).isEqualTo(20_000);
                    assertThat(x.exitedAfterMs()).isEqualTo(400);
                    assertThat(x.endedAfterMs()).isEqualTo(400);
                    assertThat(x.goneAfterMs()).isNull();
                });
    }

    /** The kubelet may evict while the hog is still filling, before the fault says it took effect. */
    @Test
    void anEvictionBetweenTheFaultsMomentAndItsEffectIsItsOwn() {
        ClusterTimeline t = listed("a");
        t.observe(new Observed.PodDisrupted(
                12_000, "a", "web-a", "node-1", "BestEffort", "", true, true, "Evicted", "low on resource: memory"));
        FaultRecord filling = new FaultRecord(
                "hog",
                "node-memory-pressure",
                2_000,
                null,
                List.of(new TargetRecord(
                        "Node", null, "node-1", TargetRecord.State.RECOVERED, 14_000L, 40_000L, "", List.of())));

        assertThat(of(t, filling)).singleElement().satisfies(x -> {
            assertThat(x.causeText()).isEqualTo("node-memory-pressure hog");
            assertThat(x.how()).isEqualTo("evicted by the kubelet (memory)");
        });
    }

    @Test
    void anEvictionThroughTheApiAndAPlainDeletionAreToldApart() {
        ClusterTimeline t = listed("a", "b");
        t.observe(new Observed.PodDisrupted(
                10_000, "a", "web-a", "node-1", "Burstable", "EvictionByEvictionAPI", false, true, "", ""));
        t.observe(pod(10_010, "a", "node-1", true, false));
        t.observe(pod(12_000, "a", "node-1", true, true));
        t.observe(pod(30_000, "b", "node-1", true, false));
        t.observe(pod(31_000, "b", "node-1", true, true));

        assertThat(of(
                        t,
                        fault(
                                "drain",
                                "node-drain",
                                "Node",
                                "node-1",
                                9_990,
                                20_000L,
                                new Measurement(ShutdownTraffic.PODS_EVICTED, 1, "count")),
                        fault("kill", "pod-kill", "Pod", "web-b", 30_000, null)))
                .extracting(x -> x.causeText() + ": " + x.how() + " (" + x.qos() + ")")
                .containsExactly(
                        "node-drain drain: evicted through the Eviction API (Burstable)",
                        "pod-kill kill: deleted (Burstable)");
    }

    @Test
    void containersThatEndAndRestartInTheirPodAreClassifiedByTheirReasonAndTheFaultActingOnThePod() {
        ClusterTimeline t = listed("a", "b", "c");
        // a: OOM-killed by a memory-oom fault (its own measurement says when), seen 300 ms later.
        t.observe(new Observed.ContainerEnded(14_300, "a", "web-a", "node-1", "Burstable", "app", "OOMKilled", 137));
        // b: OOM-killed with no fault of the run: the kernel's own.
        t.observe(new Observed.ContainerEnded(20_000, "b", "web-b", "node-1", "Burstable", "app", "OOMKilled", 137));
        // c: killed by the kubelet while its liveness probe was made to fail.
        t.observe(new Observed.ContainerEnded(40_000, "c", "web-c", "node-1", "Guaranteed", "app", "Error", 143));

        List<Termination> all = of(
                t,
                fault(
                        "leak",
                        "memory-oom",
                        "Pod",
                        "web-a",
                        10_000,
                        30_000L,
                        new Measurement(ShutdownTraffic.OOM_KILLED_AFTER, 4_000, "ms")),
                fault(
                        "live",
                        "probe-failure",
                        "Pod",
                        "web-c",
                        25_000,
                        45_000L,
                        new Measurement("killed by the kubelet after", 15_000, "ms")));

        assertThat(all)
                .extracting(x -> x.atMs() + " " + x.causeText() + ": " + x.how() + " (" + x.qos() + ")")
                .containsExactly(
                        "14000 memory-oom leak: OOMKilled (Burstable)",
                        "20000 other: OOMKilled (Burstable)",
                        "40000 probe-failure live: killed by the kubelet: its probe failed (exit code 143) (Guaranteed)");
        assertThat(all).allSatisfy(x -> {
            assertThat(x.signalled()).as("the pod stays").isTrue();
            assertThat(x.exitedAfterMs()).isZero();
        });
    }

    /**
     * With no fault of the run, the kubelet's Killing Event tells a liveness failure from a crash:
     * each told kill goes with the container end that followed it, once.
     */
    @Test
    void aLivenessFailureWithoutAFaultIsToldByTheKubeletsEvent() {
        ClusterTimeline t = listed("a", "b");
        String liveness = "Container app failed liveness probe, will be restarted";
        t.observe(new Observed.ProbeKill(10_000, "web-a", "app", "liveness", liveness));
        t.observe(new Observed.ContainerEnded(10_900, "a", "web-a", "node-1", "Burstable", "app", "Error", 137));
        // The same pod crashes later: no Event, so a crash.
        t.observe(new Observed.ContainerEnded(30_000, "a", "web-a", "node-1", "Burstable", "app", "Error", 1));
        // Another pod's container: the Event came through its watch a moment after the end.
        t.observe(new Observed.ContainerEnded(40_000, "b", "web-b", "node-1", "Burstable", "app", "Error", 137));
        t.observe(new Observed.ProbeKill(
                41_000, "web-b", "app", "startup", "Container app failed startup probe, will be restarted"));
        // A kill of another container of the pod tells nothing of this one.
        t.observe(new Observed.ProbeKill(49_000, "web-b", "sidecar", "liveness", liveness));
        t.observe(new Observed.ContainerEnded(50_000, "b", "web-b", "node-1", "Burstable", "app", "Error", 2));

        assertThat(of(t))
                .extracting(x -> x.atMs() + " " + x.causeText() + ": " + x.how())
                .containsExactly(
                        "10900 other: killed by the kubelet: its liveness probe failed (exit code 137)",
                        "30000 other: exited with code 1 (Error)",
                        "40000 other: killed by the kubelet: its startup probe failed (exit code 137)",
                        "50000 other: exited with code 2 (Error)");
        assertThat(t.events())
                .extracting(e -> e.t() + " " + e.kind() + " " + e.subject())
                .contains("10000 probe-kill pod/web-a", "41000 probe-kill pod/web-b");
    }

    /**
     * A restarted container the kubelet kills again soon: the second kill is told within the slack
     * after the first end, and must not be taken for it (found by CI: the second end was a crash).
     */
    @Test
    void twoQuickKillsOfOneContainerEachGoWithTheirOwnEnd() {
        ClusterTimeline t = listed("a");
        String liveness = "Container app failed liveness probe, will be restarted";
        t.observe(new Observed.ProbeKill(6_000, "web-a", "app", "liveness", liveness));
        t.observe(new Observed.ContainerEnded(8_300, "a", "web-a", "node-1", "Burstable", "app", "Error", 143));
        t.observe(new Observed.ProbeKill(11_000, "web-a", "app", "liveness", liveness));
        t.observe(new Observed.ContainerEnded(14_300, "a", "web-a", "node-1", "Burstable", "app", "Error", 143));

        assertThat(of(t))
                .extracting(x -> x.atMs() + " " + x.how())
                .containsExactly(
                        "8300 killed by the kubelet: its liveness probe failed (exit code 143)",
                        "14300 killed by the kubelet: its liveness probe failed (exit code 143)");
        // Decided while a probe-failure acted, ended after it let go: still that fault's doing.
        assertThat(of(t, fault("unhealthy", "probe-failure", "Pod", "web-a", 3_000, 11_000L)))
                .extracting(x -> x.atMs() + " " + x.causeText())
                .containsExactly("8300 probe-failure unhealthy", "14300 probe-failure unhealthy");
    }

    /** The kill's time is the helper's (or when the agent saw the helper end): the watch may see the end earlier. */
    @Test
    void anOomKillIsToldOnceWhenTheWatchSawTheEndBeforeTheFaultsMeasure() {
        ClusterTimeline t = listed("a");
        t.observe(new Observed.ContainerEnded(11_500, "a", "web-a", "node-1", "Burstable", "app", "OOMKilled", 137));

        assertThat(of(
                        t,
                        fault(
                                "leak",
                                "memory-oom",
                                "Pod",
                                "web-a",
                                10_000,
                                30_000L,
                                new Measurement(ShutdownTraffic.OOM_KILLED_AFTER, 4_000, "ms"))))
                .singleElement()
                .satisfies(x -> {
                    assertThat(x.causeText()).isEqualTo("memory-oom leak");
                    assertThat(x.how()).isEqualTo("OOMKilled");
                });
    }

    @Test
    void aSignalTakesTheContainersEndAlongForHowItEnded() {
        ClusterTimeline t = listed("d");
        t.observe(new Observed.ContainerEnded(30_400, "d", "web-d", "node-1", "Burstable", "app", "Error", 143));

        assertThat(of(
                        t,
                        fault(
                                "sigterm",
                                "container-signal",
                                "Pod",
                                "web-d",
                                30_000,
                                null,
                                new Measurement(ShutdownTraffic.SIGNAL, 15, ""),
                                new Measurement(ShutdownTraffic.PROCESS_EXITED_AFTER, 250, "ms"))))
                .singleElement()
                .satisfies(x -> {
                    assertThat(x.causeText()).isEqualTo("container-signal sigterm");
                    assertThat(x.how()).isEqualTo("exited with code 143 (Error) after SIGTERM");
                });
    }
}
