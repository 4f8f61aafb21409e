package dev.aftershock.run;

import static org.awaitility.Awaitility.await;

import dev.aftershock.testbed.TestCluster;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.PolicyV1Api;
import io.kubernetes.client.openapi.models.V1Deployment;
import io.kubernetes.client.openapi.models.V1PodDisruptionBudget;
import io.kubernetes.client.util.Yaml;
import java.time.Duration;

/** Applies the manifests above into a test's namespace and waits for them to settle. */
final class Manifests {
    private Manifests() {}

    static void deploy(TestCluster cluster, String yaml, int replicas) throws ApiException {
        V1Deployment d = Yaml.loadAs(yaml, V1Deployment.class);
        cluster.apps().createNamespacedDeployment(cluster.namespace(), d).execute();
        String name = d.getMetadata().getName();
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            var status = cluster.apps()
                    .readNamespacedDeployment(name, cluster.namespace())
                    .execute()
                    .getStatus();
            return status != null && status.getAvailableReplicas() != null && status.getAvailableReplicas() == replicas;
        });
    }

    /**
     * Until the deployment's pods (label app=NAME) are exactly {@code replicas}, all Ready and none
     * terminating: a test that shares a workload starts from it whole (the guards count a pod still
     * going from the last test's kill as down).
     */
    static void awaitWhole(TestCluster cluster, String name, int replicas) {
        await().atMost(Duration.ofSeconds(90)).until(() -> {
            var pods = cluster.core()
                    .listNamespacedPod(cluster.namespace())
                    .labelSelector("app=" + name)
                    .execute()
                    .getItems();
            return pods.size() == replicas
                    && pods.stream()
                            .allMatch(p -> p.getMetadata().getDeletionTimestamp() == null
                                    && p.getStatus() != null
                                    && p.getStatus().getConditions() != null
                                    && p.getStatus().getConditions().stream()
                                            .anyMatch(c -> c.getType().equals("Ready")
                                                    && c.getStatus().equals("True")));
        });
    }

    static void budget(TestCluster cluster, String yaml, int expectedPods) throws ApiException {
        V1PodDisruptionBudget b = Yaml.loadAs(yaml, V1PodDisruptionBudget.class);
        PolicyV1Api policy = new PolicyV1Api(cluster.client());
        policy.createNamespacedPodDisruptionBudget(cluster.namespace(), b).execute();
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            var status = policy.readNamespacedPodDisruptionBudget(
                            b.getMetadata().getName(), cluster.namespace())
                    .execute()
                    .getStatus();
            return status != null && status.getExpectedPods() != null && status.getExpectedPods() == expectedPods;
        });
    }
}
