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

/**
 * The testbed's node autoscaler (Karpenter's kwok provider; see testbed/README.md for why not the
 * cluster-autoscaler) adds simulated nodes for unschedulable pods and removes them once empty.
 */
@ExtendWith(TestbedExtension.class)
class NodeAutoscalerIT {
    private static final String NODE_GROUP_LABEL = "aftershock.dev/nodegroup=autoscaled";

    @Test
    void addsANodeForUnschedulablePodsAndRemovesItWhenTheyAreGone(TestCluster cluster) throws ApiException {
        assertThat(autoscaledNodes(cluster)).isEmpty();
        // Only the autoscaled pool matches, and it starts empty: the pods wait for a node to be made.
        V1Deployment wide = TestWorkloads.onKwok("needs-room", 2, "3", Map.of());
        wide.getSpec().getTemplate().getSpec().getNodeSelector().put("pool", "autoscaled");
        TestWorkloads.create(cluster, wide);

        await().atMost(Duration.ofSeconds(120))
                .until(() -> TestWorkloads.availableReplicas(cluster, "needs-room") == 2);
        List<String> added = autoscaledNodes(cluster).stream()
                .map(n -> n.getMetadata().getName())
                .toList();
        assertThat(added).isNotEmpty();
        assertThat(TestWorkloads.pods(cluster, "needs-room"))
                .allSatisfy(p -> assertThat(added).contains(p.getSpec().getNodeName()));

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
