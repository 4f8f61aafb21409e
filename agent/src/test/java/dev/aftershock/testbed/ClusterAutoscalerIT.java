package dev.aftershock.testbed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.models.V1Deployment;
import io.kubernetes.client.openapi.models.V1Node;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The cluster-autoscaler (kwok provider) adds simulated nodes for unschedulable pods and removes them. */
@ExtendWith(TestbedExtension.class)
class ClusterAutoscalerIT {
    private static final String NODE_GROUP_LABEL = "aftershock.dev/nodegroup=autoscaled";

    @Test
    void addsANodeForUnschedulablePodsAndRemovesItWhenTheyAreGone(TestCluster cluster) throws ApiException {
        assertThat(autoscaledNodes(cluster)).isEmpty();
        // Two pods of 3 CPU cannot share a 4-CPU node, and only the autoscaled pool matches.
        V1Deployment wide = TestWorkloads.onKwok("needs-room", 2, "3", Map.of());
        wide.getSpec().getTemplate().getSpec().getNodeSelector().put("pool", "autoscaled");
        TestWorkloads.create(cluster, wide);

        await().atMost(Duration.ofSeconds(120))
                .until(() -> TestWorkloads.availableReplicas(cluster, "needs-room") == 2);
        assertThat(autoscaledNodes(cluster)).hasSize(2);
        assertThat(TestWorkloads.pods(cluster, "needs-room"))
                .allSatisfy(p -> assertThat(p.getSpec().getNodeName()).startsWith("autoscaled-"));

        cluster.apps()
                .deleteNamespacedDeployment("needs-room", cluster.namespace())
                .execute();

        await().atMost(Duration.ofSeconds(180))
                .pollInterval(Duration.ofSeconds(2))
                .until(() -> autoscaledNodes(cluster).isEmpty());
    }

    private static List<V1Node> autoscaledNodes(TestCluster cluster) throws ApiException {
        return cluster.core()
                .listNode()
                .labelSelector(NODE_GROUP_LABEL)
                .execute()
                .getItems();
    }
}
