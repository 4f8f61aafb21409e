package dev.aftershock.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.aftershock.cli.CliRun;
import dev.aftershock.journal.TargetRecord;
import dev.aftershock.testbed.TestCluster;
import dev.aftershock.testbed.TestbedExtension;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.models.V1Node;
import io.kubernetes.client.openapi.models.V1NodeSpec;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1Taint;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Guards refuse with exit 2 before anything is touched; a dry run changes nothing at all. */
@ExtendWith(TestbedExtension.class)
class GuardsIT {
    private final RunFixture fixture;

    GuardsIT(TestCluster cluster) throws Exception {
        this.fixture = new RunFixture(cluster);
    }

    @BeforeEach
    void deploy() throws Exception {
        if (fixture.cluster
                .apps()
                .listNamespacedDeployment(fixture.cluster.namespace())
                .execute()
                .getItems()
                .isEmpty()) {
            Manifests.deploy(fixture.cluster, KwokApps.preferringNode("guarded", 4, "kwok-node-3", 5, true), 4);
        }
    }

    private Path experiment(String name, String target, String faults, String safety) throws Exception {
        return fixture.experiment(name, """
                apiVersion: aftershock.dev/v1alpha1
                kind: Experiment
                metadata: {name: %s}
                spec:
                  duration: 30s
                  target: {namespace: %s, workload: deployment/guarded}
                  faults:
                %s
                  safety: %s
                """.formatted(name, target, faults, safety));
    }

    @Test
    void aProtectedNamespaceIsRefused() throws Exception {
        Map<String, String> before = versions();
        CliRun run = fixture.run(experiment(
                "protected",
                "kube-system",
                "    - {at: 1s, action: pod-kill, pods: {selector: {app: guarded}}}",
                "{}"));
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("the namespace kube-system is protected");
        assertThat(versions()).isEqualTo(before);
    }

    @Test
    void theLastSchedulableNodesAreKept() throws Exception {
        Map<String, String> before = versions();
        CliRun run = fixture.run(experiment(
                "keep-nodes",
                "NAMESPACE",
                "    - {at: 1s, action: node-cordon, nodes: {names: [kwok-node-1, kwok-node-2, kwok-node-3]}}",
                "{keepSchedulableNodes: 100}"));
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("refused").contains("spec.safety.keepSchedulableNodes is 100");
        assertThat(versions()).isEqualTo(before);
    }

    /**
     * keepSchedulableNodes at its boundary, checked again at the moment of injection, where only
     * Ready, uncordoned, untainted nodes count: a tainted node and a NotReady node are schedulable on
     * paper (the plan passes) but take no pods.
     */
    @Test
    void atInjectionOnlyNodesInServiceCountAndExactlyTheLimitIsAllowed() throws Exception {
        String ns = fixture.cluster.namespace();
        String tainted = "tainted-" + ns;
        String notReady = "not-ready-" + ns;
        fixture.cluster
                .core()
                .createNode(new V1Node()
                        .metadata(new V1ObjectMeta().name(tainted).annotations(Map.of("kwok.x-k8s.io/node", "fake")))
                        .spec(new V1NodeSpec()
                                .taints(List.of(new V1Taint()
                                        .key("aftershock.dev/test")
                                        .value("guard")
                                        .effect("NoSchedule")))))
                .execute();
        // No kwok annotation: nothing runs it, so it never reports Ready.
        fixture.cluster
                .core()
                .createNode(new V1Node().metadata(new V1ObjectMeta().name(notReady)))
                .execute();
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> ready(fixture.node(tainted)));
            long inService = fixture.cluster.core().listNode().execute().getItems().stream()
                    .filter(n -> ready(n)
                            && !Boolean.TRUE.equals(n.getSpec().getUnschedulable())
                            && Objects.requireNonNullElse(n.getSpec().getTaints(), List.<V1Taint>of()).stream()
                                    .noneMatch(t -> !"node.kubernetes.io/unschedulable".equals(t.getKey())
                                            && ("NoSchedule".equals(t.getEffect())
                                                    || "NoExecute".equals(t.getEffect()))))
                    .count();

            Path atLimit = cordonOne("at-limit", inService - 1);
            CliRun allowed = fixture.run(atLimit);
            assertThat(allowed.exitCode()).as(allowed.out() + allowed.err()).isZero();
            assertThat(RunFixture.onlyTarget(fixture.journal(atLimit), "cordon").state())
                    .isEqualTo(TargetRecord.State.RECOVERED);

            Path overLimit = cordonOne("over-limit", inService);
            CliRun refused = fixture.run(overLimit);
            assertThat(refused.exitCode()).as(refused.out() + refused.err()).isEqualTo(3);
            TargetRecord skipped = RunFixture.onlyTarget(fixture.journal(overLimit), "cordon");
            assertThat(skipped.state()).isEqualTo(TargetRecord.State.SKIPPED);
            assertThat(skipped.message())
                    .contains("would leave " + (inService - 1) + " node")
                    .contains("keepSchedulableNodes is " + inService);
            assertThat(fixture.schedulable("kwok-node-2")).isTrue();
        } finally {
            fixture.cluster.core().deleteNode(tainted).execute();
            fixture.cluster.core().deleteNode(notReady).execute();
        }
    }

    private Path cordonOne(String name, long keep) throws Exception {
        return fixture.experiment(name, """
                apiVersion: aftershock.dev/v1alpha1
                kind: Experiment
                metadata: {name: %s}
                spec:
                  duration: 10s
                  target: {namespace: NAMESPACE, workload: deployment/guarded}
                  faults:
                    - {name: cordon, at: 1s, action: node-cordon, nodes: {names: [kwok-node-2]}}
                  safety: {keepSchedulableNodes: %d}
                """.formatted(name, keep));
    }

    private static boolean ready(V1Node n) {
        return n.getStatus() != null
                && n.getStatus().getConditions() != null
                && n.getStatus().getConditions().stream()
                        .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    }

    @Test
    void noMoreThanMaxUnavailableOfTheWorkloadGoesDownAtOnce() throws Exception {
        Map<String, String> before = versions();
        CliRun run = fixture.run(experiment(
                "too-many",
                "NAMESPACE",
                "    - {at: 1s, action: pod-kill, pods: {selector: {app: guarded}, pick: all}}",
                "{maxUnavailable: 1}"));
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err())
                .contains(
                        "would take 4 of deployment/guarded's 4 pods down at once; spec.safety.maxUnavailable (1) allows 1");
        assertThat(versions()).isEqualTo(before);
    }

    @Test
    void aDryRunPrintsThePlanAndLeavesEveryResourceVersionUnchanged() throws Exception {
        Map<String, String> before = versions();
        String faults =
                "    - {name: cordon, at: 2s, action: node-cordon, nodes: {hosting: target, pick: 1}, for: 10s}\n"
                        + "    - {name: kill, at: 5s, action: pod-kill, pods: {selector: {app: guarded}, pick: 1}}";
        CliRun run = fixture.run(experiment("dry", "NAMESPACE", faults, "{maxUnavailable: 50%}"), "--dry-run");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out())
                .contains("seed")
                .contains("at 2s cordon node-cordon on node kwok-node-3")
                .contains("at 5s kill pod-kill on pod " + fixture.cluster.namespace() + "/guarded-")
                .contains("dry run: nothing was changed");
        assertThat(versions()).isEqualTo(before);
    }

    /**
     * What the agent could have changed: every node's spec, labels and annotations, and the resourceVersion
     * of every object in the test's namespace. A node's resourceVersion is no use here: the real nodes'
     * kubelets write their status whenever it changes (a CI run failed on exactly that), and a status is
     * never the agent's to write. Taints the node controller derives from a node's conditions
     * ({@code node.kubernetes.io/...}) are left out for the same reason; a cordon shows in {@code unschedulable}.
     */
    private Map<String, String> versions() throws ApiException {
        Map<String, String> v = new TreeMap<>();
        fixture.cluster
                .core()
                .listNode()
                .execute()
                .getItems()
                .forEach(n -> v.put("node/" + n.getMetadata().getName(), whatTheAgentCouldChange(n)));
        String ns = fixture.cluster.namespace();
        fixture.cluster
                .core()
                .listNamespacedPod(ns)
                .execute()
                .getItems()
                .forEach(p -> v.put(
                        "pod/" + p.getMetadata().getName(), p.getMetadata().getResourceVersion()));
        fixture.cluster
                .apps()
                .listNamespacedDeployment(ns)
                .execute()
                .getItems()
                .forEach(d -> v.put(
                        "deploy/" + d.getMetadata().getName(), d.getMetadata().getResourceVersion()));
        return v;
    }

    private static String whatTheAgentCouldChange(V1Node node) {
        List<String> taints = Objects.requireNonNullElse(node.getSpec().getTaints(), List.<V1Taint>of()).stream()
                .filter(t -> !t.getKey().startsWith("node.kubernetes.io/"))
                .map(t -> t.getKey() + "=" + t.getValue() + ":" + t.getEffect())
                .sorted()
                .toList();
        return "unschedulable=%s taints=%s labels=%s annotations=%s"
                .formatted(
                        node.getSpec().getUnschedulable(),
                        taints,
                        new TreeMap<>(
                                Objects.requireNonNullElse(node.getMetadata().getLabels(), Map.of())),
                        new TreeMap<>(
                                Objects.requireNonNullElse(node.getMetadata().getAnnotations(), Map.of())));
    }
}
