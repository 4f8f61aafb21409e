package dev.aftershock.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.aftershock.cli.CliRun;
import dev.aftershock.journal.Journal;
import dev.aftershock.journal.Measurement;
import dev.aftershock.journal.TargetRecord;
import dev.aftershock.testbed.TargetApps;
import dev.aftershock.testbed.TargetApps.Template;
import dev.aftershock.testbed.TestCluster;
import dev.aftershock.testbed.Testbed;
import dev.aftershock.testbed.TestbedExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * node-memory-pressure on a real node: the testbed's real nodes offer their pods 2 GiB and evict
 * below 256 MiB left (testbed/real-nodes), so a hog reaches the kubelet's threshold without
 * troubling the machine. The target is a BestEffort Deployment on that node, beside a Burstable and
 * a Guaranteed pod.
 */
@ExtendWith(TestbedExtension.class)
class NodeMemoryE2E {
    private static final String NODE = "real-node-2";
    private static final String OTHER_NODE = "real-node-1";
    private static final String APP = "squeezed";
    private final RunFixture fixture;
    private final TestCluster cluster;

    NodeMemoryE2E(TestCluster cluster) throws Exception {
        this.cluster = cluster;
        this.fixture = new RunFixture(cluster);
    }

    @BeforeEach
    void nodeToItself() {
        fixture.awaitNoLiveRun();
        // The memory arithmetic needs the node to itself: pods of earlier classes may still be going.
        await().atMost(Duration.ofSeconds(90))
                .pollInterval(Duration.ofSeconds(1))
                .alias("no other pod left on " + NODE)
                .until(() -> cluster.core()
                        .listPodForAllNamespaces()
                        .fieldSelector("spec.nodeName=" + NODE)
                        .execute()
                        .getItems()
                        .isEmpty());
        awaitNoPressure();
    }

    @AfterEach
    void clear() throws Exception {
        fixture.clearNamespace();
        schedulable(OTHER_NODE, true);
        schedulable(NODE, true);
        awaitNoPressure();
    }

    /**
     * The node is cordoned once its pods run, so that the target's replacements go to the other
     * real node instead of being placed on it and refused by its kubelet, one after another, while
     * it is under pressure (the node lifecycle controller's taint comes a moment after the
     * condition).
     */
    private void schedulable(String node, boolean yes) throws Exception {
        io.kubernetes.client.util.PatchUtils.patch(
                io.kubernetes.client.openapi.models.V1Node.class,
                () -> cluster.core()
                        .patchNode(
                                node,
                                new io.kubernetes.client.custom.V1Patch(
                                        "{\"spec\":{\"unschedulable\":" + (yes ? "null" : "true") + "}}"))
                        .buildCall(null),
                io.kubernetes.client.custom.V1Patch.PATCH_FORMAT_STRATEGIC_MERGE_PATCH,
                cluster.client());
    }

    private void awaitNoPressure() {
        await().atMost(Duration.ofMinutes(2))
                .pollInterval(Duration.ofSeconds(1))
                .alias(NODE + " without MemoryPressure")
                .until(() -> {
                    var node = cluster.core().readNode(NODE).execute();
                    boolean pressure = node.getStatus().getConditions().stream()
                            .anyMatch(c -> "MemoryPressure".equals(c.getType()) && "True".equals(c.getStatus()));
                    return !pressure;
                });
    }

    /**
     * Two BestEffort pods of the target (150 MiB each), a Burstable pod (80 MiB over 32Mi), a
     * Guaranteed one. The target may run on either real node: it is created while the other is
     * cordoned, so its pods start on the node, and its replacements have somewhere to go.
     */
    private void deploy() throws Exception {
        schedulable(OTHER_NODE, false);
        try {
            TargetApps.createAndAwaitReady(
                    cluster,
                    TargetApps.deployment(Template.of(APP).resources("{}").env("HOLD_MIB", "150"), 2),
                    Duration.ofSeconds(90));
        } finally {
            schedulable(OTHER_NODE, true);
        }
        TargetApps.createAndAwaitReady(
                cluster,
                TargetApps.pod(Template.of("burstable")
                        .onNode(NODE)
                        .resources("{requests: {memory: 32Mi}, limits: {memory: 512Mi}}")
                        .env("HOLD_MIB", "80")),
                Duration.ofSeconds(90));
        TargetApps.createAndAwaitReady(
                cluster,
                TargetApps.pod(Template.of("guaranteed")
                        .onNode(NODE)
                        .resources("{requests: {cpu: 200m, memory: 192Mi}, limits: {cpu: 200m, memory: 192Mi}}")
                        .env("HOLD_MIB", "100")),
                Duration.ofSeconds(90));
        schedulable(NODE, false);
        // metrics-server measures every 10 s: the hog is sized from what the pods use.
        Thread.sleep(20_000);
    }

    private Path experiment(String name, String duration, String forTime) throws Exception {
        return fixture.experiment(name, """
                apiVersion: aftershock.dev/v1alpha1
                kind: Experiment
                metadata: {name: %s}
                spec:
                  duration: %s
                  seed: 1
                  target: {namespace: NAMESPACE, workload: deployment/%s}
                  faults:
                    - {name: squeeze, at: 2s, action: node-memory-pressure, nodes: {names: [%s]}, fill: 117%%, rate: 128Mi/s, for: %s}
                  hypotheses:
                    - name: some-left
                      kube: {availableReplicasAtLeast: 0, within: 5s}
                  safety: {maxUnavailable: 100%%, keepSchedulableNodes: 1}
                """.formatted(name, duration, APP, NODE, forTime));
    }

    /** BestEffort 0, Burstable 1, Guaranteed 2, from an eviction measurement's name. */
    private static int qosRank(Measurement m) {
        return m.name().contains("(BestEffort") ? 0 : m.name().contains("(Burstable") ? 1 : 2;
    }

    @Test
    void theKubeletEvictsInQosOrderUnderTheHogAndTheNodeIsWholeAfterwards() throws Exception {
        deploy();
        Path file = experiment("squeeze", "100s", "70s");

        CliRun run = fixture.run(file, "--helper-image", Testbed.helperImage());

        assertThat(run.exitCode()).as(run.out() + run.err()).isZero();
        Journal journal = fixture.journal(file);
        TargetRecord target = RunFixture.onlyTarget(journal, "squeeze");
        List<Measurement> evictions = target.measurements().stream()
                .filter(m -> m.name().startsWith("evicted "))
                .toList();
        System.out.printf(
                "node-memory-pressure: hog %.0f MiB (pods used %.0f of %.0f MiB), pressure %.0f ms after its start,"
                        + " over %.0f ms after recovery; evictions %s%n",
                RunFixture.measured(target, "hog size"),
                RunFixture.measured(target, "memory used by its pods"),
                RunFixture.measured(target, "allocatable memory"),
                RunFixture.measured(target, "memory pressure after"),
                RunFixture.measured(target, "memory pressure over after recovery"),
                evictions.stream()
                        .map(m -> m.name() + " at " + (long) m.value() + " ms")
                        .toList());
        assertThat(target.state()).isEqualTo(TargetRecord.State.RECOVERED);
        // From the hog's start: filling takes about 12 s at 128Mi/s.
        assertThat(RunFixture.measured(target, "memory pressure after")).isBetween(1_000.0, 60_000.0);
        // 117 % of 2 GiB: the pods must give up about 350 MiB, more than one BestEffort pod holds.
        assertThat(RunFixture.measured(target, "pods evicted by the kubelet")).isGreaterThanOrEqualTo(2.0);
        assertThat(evictions).isNotEmpty();
        assertThat(evictions.get(0).name()).contains("(BestEffort, requests 0 MiB, used ");
        assertThat(evictions)
                .as("in the order they went, never a lower QoS class after a higher one")
                .isSortedAccordingTo(java.util.Comparator.comparingDouble(Measurement::value))
                .isSortedAccordingTo(java.util.Comparator.comparingInt(NodeMemoryE2E::qosRank));
        assertThat(journal.events())
                .anyMatch(e -> e.kind().equals("memory-pressure") && e.subject().equals("node/" + NODE))
                .as("the node lifecycle controller taints the node for it, and untaints it")
                .anyMatch(e ->
                        e.kind().equals("memory-pressure-taint") && e.subject().equals("node/" + NODE));
        assertThat(journal.terminations())
                .as("the target's evicted pods")
                .isNotEmpty()
                .allSatisfy(t -> {
                    assertThat(t.causeText()).isEqualTo("node-memory-pressure squeeze");
                    assertThat(t.how()).isEqualTo("evicted by the kubelet (memory)");
                    assertThat(t.qos()).isEqualTo("BestEffort");
                    assertThat(t.node()).isEqualTo(NODE);
                });
        for (var t : journal.terminations()) {
            String of = "replacement of " + cluster.namespace() + "/" + t.pod();
            double scheduled = RunFixture.measured(target, of + " scheduled on " + OTHER_NODE + " after");
            double ready = RunFixture.measured(target, of + " ready after");
            System.out.printf("%s: scheduled %.0f ms, Ready %.0f ms after the eviction%n", of, scheduled, ready);
            assertThat(scheduled).as(of + " scheduled on the other node").isBetween(0.0, 30_000.0);
            assertThat(ready).isBetween(scheduled, 60_000.0);
        }
        assertThat(fixture.helpers()).as("the hog is gone").isEmpty();
        awaitNoPressure();
    }

    @Test
    void aKilledAgentsHogLetsGoByItsDeadlineAndRecoverFindsNothingToRevert() throws Exception {
        deploy();
        // Filling takes 10 to 25 s at 128Mi/s here; the fault holds 40 s, so the agent is killed while it holds.
        Path file = experiment("orphaned-hog", "3m", "40s");
        Process cli = fixture.start(file, Map.of("AFTERSHOCK_HELPER_IMAGE", Testbed.helperImage()));
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(500))
                .until(() -> fixture.helpers().stream()
                        .anyMatch(p -> p.getStatus() != null
                                && "Running".equals(p.getStatus().getPhase())));
        Instant holding = Instant.now();
        cli.destroyForcibly(); // SIGKILL: nothing ends the hog but its own deadline
        assertThat(cli.waitFor(30, TimeUnit.SECONDS)).isTrue();

        // The fault's end (40 s after its start) plus the hog's 15 s margin: the kubelet stops it.
        await().atMost(Duration.ofSeconds(75))
                .pollInterval(Duration.ofMillis(500))
                .until(() -> fixture.helpers().stream()
                        .allMatch(p -> p.getStatus() != null
                                && "Failed".equals(p.getStatus().getPhase())));
        long endedAfter = Duration.between(holding, Instant.now()).toSeconds();
        System.out.printf("node-memory-pressure: the hog ended %d s after the agent was killed%n", endedAfter);
        assertThat(endedAfter)
                .as("by the hog's own deadline, 55 s after its start")
                .isLessThanOrEqualTo(55L);
        awaitNoPressure();

        fixture.awaitNoLiveRun();
        CliRun recover = fixture.recover("--helper-image", Testbed.helperImage());
        assertThat(recover.exitCode()).as(recover.out() + recover.err()).isZero();
        assertThat(recover.out()).contains("node " + NODE);
        assertThat(fixture.helpers()).as("recover deleted the ended hog").isEmpty();
        CliRun again = fixture.recover("--helper-image", Testbed.helperImage());
        assertThat(again.exitCode()).as(again.out() + again.err()).isZero();
        assertThat(again.out()).doesNotContain("node " + NODE);
    }
}
