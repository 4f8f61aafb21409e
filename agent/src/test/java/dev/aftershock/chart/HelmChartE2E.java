package dev.aftershock.chart;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.aftershock.testbed.Helm;
import dev.aftershock.testbed.TestCluster;
import dev.aftershock.testbed.Testbed;
import dev.aftershock.testbed.TestbedExtension;
import io.kubernetes.client.openapi.apis.AppsV1Api;
import io.kubernetes.client.openapi.apis.RbacAuthorizationV1Api;
import io.kubernetes.client.openapi.models.V1Namespace;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The chart installed by the real Helm CLI on the testbed, with the agent image testbed/images builds,
 * into a namespace whose Pod Security admission enforces the "restricted" profile: the agent starts
 * and becomes ready there, `helm test` passes (the API answers through its Service, and authenticates
 * and authorises as the chart's RBAC says), an upgrade with changed values rolls out, and an uninstall
 * leaves nothing of the release behind, cluster-scoped objects included.
 */
@ExtendWith(TestbedExtension.class)
class HelmChartE2E {
    private final TestCluster cluster;

    HelmChartE2E(TestCluster cluster) {
        this.cluster = cluster;
    }

    @Test
    void installsTestsUpgradesAndUninstallsUnderTheRestrictedProfile() throws Exception {
        String image = Testbed.agentImage();
        String ns = cluster.namespace() + "-helm";
        cluster.core()
                .createNamespace(new V1Namespace()
                        .metadata(new V1ObjectMeta()
                                .name(ns)
                                .labels(Map.of(
                                        "pod-security.kubernetes.io/enforce", "restricted",
                                        "pod-security.kubernetes.io/enforce-version", "latest"))))
                .execute();
        List<String> env = List.of("KUBECONFIG=" + cluster.kubeconfig());
        String repository = image.substring(0, image.lastIndexOf(':'));
        String tag = image.substring(image.lastIndexOf(':') + 1);
        try {
            Helm.Result installed = Helm.run(
                    env,
                    "install",
                    "shock",
                    Helm.CHART.toString(),
                    "--namespace",
                    ns,
                    "--set",
                    "image.repository=" + repository + ",image.tag=" + tag + ",image.pullPolicy=Never",
                    "--set",
                    "nodeSelector.type=real",
                    "--wait",
                    "--timeout",
                    "4m");
            assertThat(installed.exitCode())
                    .as(installed.stderr() + installed.stdout())
                    .isZero();
            assertThat(installed.stdout()).contains("port-forward").contains("WARNING: persistence is off");

            Helm.Result tested = Helm.run(env, "test", "shock", "--namespace", ns, "--logs", "--timeout", "3m");
            assertThat(tested.exitCode()).as(tested.stderr() + tested.stdout()).isZero();
            assertThat(tested.stdout())
                    .contains("ok   GET /readyz: HTTP 200")
                    .contains("ok   GET /api/v1/runs without a token: HTTP 401")
                    .contains("ok   GET /api/v1/runs as a caller allowed to list runs: HTTP 200")
                    .contains("ok   POST /api/v1/runs as a caller not allowed to create runs: HTTP 403");

            Helm.Result upgraded = Helm.run(
                    env,
                    "upgrade",
                    "shock",
                    Helm.CHART.toString(),
                    "--namespace",
                    ns,
                    "--reuse-values",
                    "--set",
                    "api.authCacheSeconds=0",
                    "--wait",
                    "--timeout",
                    "4m");
            assertThat(upgraded.exitCode())
                    .as(upgraded.stderr() + upgraded.stdout())
                    .isZero();
            var deployment = new AppsV1Api(cluster.client())
                    .readNamespacedDeployment("shock-aftershock", ns)
                    .execute();
            assertThat(deployment
                            .getSpec()
                            .getTemplate()
                            .getSpec()
                            .getContainers()
                            .get(0)
                            .getArgs())
                    .contains("--auth-cache=0s");
            assertThat(deployment.getStatus().getReadyReplicas()).isEqualTo(1);

            Helm.Result uninstalled =
                    Helm.run(env, "uninstall", "shock", "--namespace", ns, "--wait", "--timeout", "3m");
            assertThat(uninstalled.exitCode()).as(uninstalled.stderr()).isZero();
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                String selector = "app.kubernetes.io/instance=shock";
                assertThat(cluster.core()
                                .listNamespacedPod(ns)
                                .labelSelector(selector)
                                .execute()
                                .getItems())
                        .isEmpty();
                assertThat(cluster.core().listNamespacedService(ns).execute().getItems())
                        .isEmpty();
                assertThat(cluster.core()
                                .listNamespacedServiceAccount(ns)
                                .labelSelector(selector)
                                .execute()
                                .getItems())
                        .isEmpty();
                var rbac = new RbacAuthorizationV1Api(cluster.client());
                assertThat(rbac.listClusterRole()
                                .labelSelector(selector)
                                .execute()
                                .getItems())
                        .isEmpty();
                assertThat(rbac.listClusterRoleBinding()
                                .labelSelector(selector)
                                .execute()
                                .getItems())
                        .isEmpty();
                assertThat(rbac.listNamespacedRole(ns).execute().getItems()).isEmpty();
                assertThat(rbac.listNamespacedRoleBinding(ns).execute().getItems())
                        .isEmpty();
            });
        } finally {
            Helm.run(env, "uninstall", "shock", "--namespace", ns, "--ignore-not-found");
            cluster.core().deleteNamespace(ns).execute();
        }
    }
}
