package dev.aftershock.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.aftershock.journal.HypothesisResult;
import dev.aftershock.journal.Journal;
import dev.aftershock.journal.TimelineEvent;
import dev.aftershock.testbed.TestCluster;
import dev.aftershock.testbed.TestWorkloads;
import dev.aftershock.testbed.TestbedExtension;
import io.kubernetes.client.openapi.models.V1Deployment;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The nodes hypothesis on the testbed's node autoscaler, Karpenter's kwok provider (its pool
 * {@code autoscaled} starts empty and removes empty nodes after 15 s): the target is scaled out
 * during the run as an HPA would, its pods fit no node, Karpenter adds one, the pods run; the
 * target is scaled in, and the node goes. The run's timeline shows every phase.
 */
@ExtendWith(TestbedExtension.class)
class NodeAutoscalerE2E {
    private static final String APP = "needs-room";
    private final RunFixture fixture;
    private final TestCluster cluster;

    NodeAutoscalerE2E(TestCluster cluster) throws Exception {
        this.cluster = cluster;
        this.fixture = new RunFixture(cluster);
    }

    @AfterEach
    void clear() throws Exception {
        fixture.clearNamespace();
    }

    @Test
    void aScaleOutThatFitsNowhereGetsANodeAndTheNodeGoesAfterTheScaleIn() throws Exception {
        // Only the autoscaled pool matches, and it has no node: each 3-CPU pod waits for one to be made.
        V1Deployment wide = TestWorkloads.onKwok(APP, 0, "3", Map.of());
        wide.getSpec().getTemplate().getSpec().getNodeSelector().put("pool", "autoscaled");
        TestWorkloads.create(cluster, wide);
        int nodesBefore = cluster.core().listNode().execute().getItems().size();
        Path experiment = fixture.experiment("scale-nodes", """
                apiVersion: aftershock.dev/v1alpha1
                kind: Experiment
                metadata: {name: scale-nodes}
                spec:
                  duration: 110s
                  target: {namespace: NAMESPACE, workload: deployment/%s}
                  hypotheses:
                    - name: nodes-follow
                      nodes: {decisionWithin: 20s, scaleUpWithin: 60s, podsRunningWithin: 90s, scaleDownWithin: 70s, maxNodes: %d}
                """.formatted(APP, nodesBefore + 3));

        Process cli = fixture.start(experiment);
        await().atMost(Duration.ofSeconds(60))
                .until(() -> fixture.output(experiment).contains("run "));
        // Past the watches' listing: the scale-out is the run's.
        Thread.sleep(8_000);
        scale(2);
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofSeconds(1))
                .until(() -> TestWorkloads.availableReplicas(cluster, APP) == 2);
        Thread.sleep(5_000);
        scale(0);
        assertThat(cli.waitFor(180, TimeUnit.SECONDS)).isTrue();

        Journal journal = fixture.journal(experiment);
        HypothesisResult nodes = journal.hypotheses().get(0);
        System.out.println("nodes hypothesis: " + nodes.verdict() + ": " + nodes.measured());
        nodes.evidence().forEach(m -> System.out.printf("  %s = %.0f %s%n", m.name(), m.value(), m.unit()));
        assertThat(nodes.verdict())
                .as(nodes.measured() + "\n" + fixture.output(experiment))
                .isEqualTo(HypothesisResult.Verdict.PASSED);
        assertThat(cli.exitValue()).as(fixture.output(experiment)).isZero();
        assertThat(nodes.measured()).contains("decided by karpenter (nodeclaim/");
        assertThat(nodes.evidence())
                .extracting(m -> m.name())
                .contains(
                        "pods unschedulable",
                        "scale-up decided after",
                        "node registered after",
                        "node ready after",
                        "pods running after",
                        "nodes added");
        assertThat(nodes.evidence()).anySatisfy(m -> assertThat(m.name()).matches("node .* removed after"));
        // Every phase is on the run's timeline, in order.
        List<String> kinds = journal.events().stream().map(TimelineEvent::kind).toList();
        assertThat(kinds)
                .containsSubsequence(
                        "unschedulable",
                        "scale-up-decided",
                        "launched",
                        "registered",
                        "initialized",
                        "scale-down-decided",
                        "removed");
        assertThat(kinds).contains("added", "nominated");
    }

    private void scale(int replicas) throws Exception {
        var apps = cluster.apps();
        var scale = apps.readNamespacedDeploymentScale(APP, cluster.namespace()).execute();
        scale.getSpec().setReplicas(replicas);
        apps.replaceNamespacedDeploymentScale(APP, cluster.namespace(), scale).execute();
    }
}
