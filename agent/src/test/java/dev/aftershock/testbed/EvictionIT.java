package dev.aftershock.testbed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.aftershock.kube.Evictions;
import io.kubernetes.client.custom.IntOrString;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.PolicyV1Api;
import io.kubernetes.client.openapi.models.V1LabelSelector;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1PodDisruptionBudget;
import io.kubernetes.client.openapi.models.V1PodDisruptionBudgetSpec;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The Eviction API is real on the testbed, and the client workaround for its answer holds. */
@ExtendWith(TestbedExtension.class)
class EvictionIT {
    @Test
    void aBudgetThatAllowsNoDisruptionBlocksWith429(TestCluster cluster) throws ApiException {
        String pod = deployWithBudget(cluster, "guarded", new IntOrString(3), null);

        var outcome =
                new Evictions(cluster.client()).evict(cluster.namespace(), pod, uidOf(cluster, pod), Optional.empty());

        assertThat(outcome)
                .isInstanceOfSatisfying(
                        dev.aftershock.fault.ClusterOps.BlockedByBudget.class,
                        blocked -> assertThat(blocked.reason()).contains("disruption budget"));
    }

    @Test
    void anAllowedEvictionSucceeds(TestCluster cluster) throws ApiException {
        String pod = deployWithBudget(cluster, "loose", null, new IntOrString(1));

        var outcome =
                new Evictions(cluster.client()).evict(cluster.namespace(), pod, uidOf(cluster, pod), Optional.empty());

        assertThat(outcome).isInstanceOf(dev.aftershock.fault.ClusterOps.Evicted.class);
        await().atMost(Duration.ofSeconds(30))
                .until(() -> TestWorkloads.pods(cluster, "loose").stream()
                        .noneMatch(p -> p.getMetadata().getName().equals(pod)));
    }

    /**
     * The first kill's rehearsal is a server-side dry run and must change nothing: with a body, the
     * API server reads dryRun from the body only (a query parameter was ignored and the pod deleted).
     */
    @Test
    void aRehearsedDeleteLeavesThePodAlone(TestCluster cluster) throws Exception {
        TestWorkloads.create(cluster, TestWorkloads.onKwok("rehearsed", 1, "10m", Map.of()));
        await().atMost(Duration.ofSeconds(60)).until(() -> TestWorkloads.availableReplicas(cluster, "rehearsed") == 1);
        var pod = TestWorkloads.pods(cluster, "rehearsed").get(0);
        String name = pod.getMetadata().getName();
        String uid = pod.getMetadata().getUid();
        try (var informers = new dev.aftershock.kube.SharedInformers(dev.aftershock.kube.KubeClients.forWatches(
                new dev.aftershock.kube.ClusterAccess.Kubeconfig(cluster.kubeconfig())))) {
            new dev.aftershock.kube.KubeClusterOps(cluster.client(), informers, Duration.ofMinutes(1))
                    .rehearseDelete(cluster.namespace(), name, uid, java.util.Optional.empty());
        }
        Thread.sleep(2_000);
        var after = cluster.core().readNamespacedPod(name, cluster.namespace()).execute();
        assertThat(after.getMetadata().getUid()).isEqualTo(uid);
        assertThat(after.getMetadata().getDeletionTimestamp()).as("not deleted").isNull();
    }

    private static String deployWithBudget(
            TestCluster cluster, String app, IntOrString minAvailable, IntOrString maxUnavailable) throws ApiException {
        TestWorkloads.create(cluster, TestWorkloads.onKwok(app, 3, "10m", Map.of()));
        new PolicyV1Api(cluster.client())
                .createNamespacedPodDisruptionBudget(
                        cluster.namespace(),
                        new V1PodDisruptionBudget()
                                .metadata(new V1ObjectMeta().name(app))
                                .spec(new V1PodDisruptionBudgetSpec()
                                        .selector(new V1LabelSelector().matchLabels(Map.of("app", app)))
                                        .minAvailable(minAvailable)
                                        .maxUnavailable(maxUnavailable)))
                .execute();
        await().atMost(Duration.ofSeconds(60)).until(() -> TestWorkloads.availableReplicas(cluster, app) == 3);
        // The disruption controller must have counted the healthy pods before the budget means anything.
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            var status = new PolicyV1Api(cluster.client())
                    .readNamespacedPodDisruptionBudget(app, cluster.namespace())
                    .execute()
                    .getStatus();
            return status != null && status.getCurrentHealthy() != null && status.getCurrentHealthy() == 3;
        });
        return TestWorkloads.pods(cluster, app).get(0).getMetadata().getName();
    }

    private static String uidOf(TestCluster cluster, String pod) throws ApiException {
        return cluster.core()
                .readNamespacedPod(pod, cluster.namespace())
                .execute()
                .getMetadata()
                .getUid();
    }
}
