package dev.aftershock.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.aftershock.cli.CliRun;
import dev.aftershock.journal.RunInfo;
import dev.aftershock.journal.TargetRecord;
import dev.aftershock.testbed.TestCluster;
import dev.aftershock.testbed.TestbedExtension;
import io.kubernetes.client.openapi.apis.RbacAuthorizationV1Api;
import io.kubernetes.client.openapi.models.RbacV1Subject;
import io.kubernetes.client.openapi.models.V1ClusterRole;
import io.kubernetes.client.openapi.models.V1ClusterRoleBinding;
import io.kubernetes.client.openapi.models.V1Node;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1PolicyRule;
import io.kubernetes.client.openapi.models.V1RoleRef;
import io.kubernetes.client.openapi.models.V1ServiceAccount;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A run that did not happen does not pass (Engine II, behaviour 4): a node deleted before its fault's
 * `at`, a kill the agent is not allowed to make. Before, both runs passed (exit 0) with the target
 * marked "injection failed" only deep in the journal.
 */
@ExtendWith(TestbedExtension.class)
class InjectionFailureIT {
    private final RunFixture fixture;

    InjectionFailureIT(TestCluster cluster) throws Exception {
        this.fixture = new RunFixture(cluster);
    }

    @AfterEach
    void clear() throws Exception {
        fixture.clearNamespace();
    }

    @Test
    void aNodeDeletedBeforeItsFaultIsAnErrorNotAPass() throws Exception {
        Manifests.deploy(fixture.cluster, KwokApps.preferringNode("gone", 1, "kwok-node-1", 1, true), 1);
        String node = "vanishing-" + fixture.cluster.namespace();
        fixture.cluster
                .core()
                .createNode(new V1Node()
                        .metadata(new V1ObjectMeta()
                                .name(node)
                                .labels(Map.of("type", "kwok"))
                                .annotations(Map.of("kwok.x-k8s.io/node", "fake"))))
                .execute();
        Path experiment = fixture.experiment("vanishing", """
                apiVersion: aftershock.dev/v1alpha1
                kind: Experiment
                metadata: {name: vanishing}
                spec:
                  duration: 12s
                  target: {namespace: NAMESPACE, workload: deployment/gone}
                  faults:
                    - {name: cordon, at: 8s, action: node-cordon, nodes: {names: [%s]}}
                """.formatted(node));

        Process cli = fixture.start(experiment);
        await().atMost(Duration.ofSeconds(30))
                .until(() -> Files.exists(fixture.dir.resolve("vanishing.yaml.out"))
                        && fixture.output(experiment).contains("at 8s cordon node-cordon on node " + node));
        fixture.cluster.core().deleteNode(node).execute();

        assertThat(cli.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String output = fixture.output(experiment);
        assertThat(cli.exitValue()).as(output).isEqualTo(3);
        assertThat(output).contains("why: fault cordon did not happen on node " + node);
        var journal = fixture.journal(experiment);
        assertThat(journal.run().outcome()).isEqualTo(RunInfo.Outcome.ERROR);
        assertThat(RunFixture.onlyTarget(journal, "cordon").state()).isEqualTo(TargetRecord.State.INJECTION_FAILED);
    }

    @Test
    void aKillTheAgentIsNotAllowedToMakeIsAnErrorNotAPass() throws Exception {
        Manifests.deploy(fixture.cluster, KwokApps.preferringNode("guarded", 2, "kwok-node-1", 1, true), 2);
        String ns = fixture.cluster.namespace();
        String role = "aftershock-no-delete-" + ns;
        var rbac = new RbacAuthorizationV1Api(fixture.cluster.client());
        V1ClusterRole agent = AgentRbac.clusterRole();
        // The agent's role less the one verb a kill needs.
        List<V1PolicyRule> rules = agent.getRules().stream()
                .map(r -> r.getResources().contains("pods")
                        ? new V1PolicyRule()
                                .apiGroups(r.getApiGroups())
                                .resources(r.getResources())
                                .verbs(r.getVerbs().stream()
                                        .filter(v -> !v.equals("delete"))
                                        .toList())
                        : r)
                .toList();
        rbac.createClusterRole(new V1ClusterRole()
                        .metadata(new V1ObjectMeta().name(role))
                        .rules(rules))
                .execute();
        fixture.cluster
                .core()
                .createNamespacedServiceAccount(
                        ns, new V1ServiceAccount().metadata(new V1ObjectMeta().name("no-delete")))
                .execute();
        rbac.createClusterRoleBinding(new V1ClusterRoleBinding()
                        .metadata(new V1ObjectMeta().name(role))
                        .roleRef(new V1RoleRef()
                                .apiGroup("rbac.authorization.k8s.io")
                                .kind("ClusterRole")
                                .name(role))
                        .subjects(List.of(new RbacV1Subject()
                                .kind("ServiceAccount")
                                .name("no-delete")
                                .namespace(ns))))
                .execute();
        AgentRbac.bindLock(fixture.cluster, "no-delete");
        try {
            Path kubeconfig = tokenKubeconfig("no-delete");
            Path experiment = fixture.experiment("forbidden", """
                    apiVersion: aftershock.dev/v1alpha1
                    kind: Experiment
                    metadata: {name: forbidden}
                    spec:
                      duration: 10s
                      target: {namespace: NAMESPACE, workload: deployment/guarded}
                      faults:
                        - {name: kill, at: 1s, action: pod-kill, pods: {selector: {app: guarded}, pick: 1}}
                    """);

            CliRun run = CliRun.of(
                    "run", experiment.toString(),
                    "--kubeconfig", kubeconfig.toString(),
                    "--state-dir", fixture.stateDir().toString(),
                    "--out", fixture.out(experiment.getFileName().toString()).toString());

            assertThat(run.exitCode()).as(run.out() + run.err()).isEqualTo(3);
            assertThat(run.out())
                    .contains("why: fault kill did not happen on pod")
                    .contains("forbidden");
            var journal = fixture.journal(experiment);
            assertThat(journal.run().outcome()).isEqualTo(RunInfo.Outcome.ERROR);
            assertThat(RunFixture.onlyTarget(journal, "kill").state()).isEqualTo(TargetRecord.State.INJECTION_FAILED);
        } finally {
            rbac.deleteClusterRoleBinding(role).execute();
            rbac.deleteClusterRole(role).execute();
            AgentRbac.unbindLock(fixture.cluster, "no-delete");
        }
    }

    /** A kubeconfig for the testbed with a service account's token (kubectl create token). */
    private Path tokenKubeconfig(String serviceAccount) throws Exception {
        Process p = new ProcessBuilder(
                        RunFixture.KUBECTL.toString(),
                        "--kubeconfig",
                        fixture.cluster.kubeconfig().toString(),
                        "-n",
                        fixture.cluster.namespace(),
                        "create",
                        "token",
                        serviceAccount)
                .redirectErrorStream(true)
                .start();
        String token = new String(p.getInputStream().readAllBytes()).strip();
        assertThat(p.waitFor()).as(token).isZero();
        return fixture.kubeconfigAs("sa", Map.of("token", token));
    }
}
