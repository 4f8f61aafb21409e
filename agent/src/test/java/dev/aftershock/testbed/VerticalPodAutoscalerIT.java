package dev.aftershock.testbed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CustomObjectsApi;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The VPA recommender turns metrics-server's numbers into a recommendation. */
@ExtendWith(TestbedExtension.class)
class VerticalPodAutoscalerIT {
    @Test
    void writesARecommendationForADeploymentWithSimulatedUsage(TestCluster cluster) throws ApiException {
        TestWorkloads.create(
                cluster,
                TestWorkloads.onKwok(
                        "sized",
                        2,
                        "100m",
                        Map.of(TestWorkloads.USAGE_CPU, "250m", TestWorkloads.USAGE_MEMORY, "300Mi")));
        CustomObjectsApi custom = new CustomObjectsApi(cluster.client());
        Map<String, Object> vpa = Map.of(
                "apiVersion",
                "autoscaling.k8s.io/v1",
                "kind",
                "VerticalPodAutoscaler",
                "metadata",
                Map.of("name", "sized"),
                "spec",
                Map.of(
                        "targetRef", Map.of("apiVersion", "apps/v1", "kind", "Deployment", "name", "sized"),
                        "updatePolicy", Map.of("updateMode", "Off")));
        custom.createNamespacedCustomObject(
                        "autoscaling.k8s.io", "v1", cluster.namespace(), "verticalpodautoscalers", vpa)
                .execute();

        AtomicReference<Set<Object>> target = new AtomicReference<>();
        await().atMost(Duration.ofSeconds(180))
                .pollInterval(Duration.ofSeconds(2))
                .until(() -> {
                    Map<?, ?> object = (Map<?, ?>) custom.getNamespacedCustomObject(
                                    "autoscaling.k8s.io", "v1", cluster.namespace(), "verticalpodautoscalers", "sized")
                            .execute();
                    if (object.get("status") instanceof Map<?, ?> status
                            && status.get("recommendation") instanceof Map<?, ?> recommendation
                            && recommendation.get("containerRecommendations") instanceof List<?> containers
                            && !containers.isEmpty()) {
                        target.set(Set.copyOf(((Map<?, ?>) ((Map<?, ?>) containers.get(0)).get("target")).keySet()));
                        return true;
                    }
                    return false;
                });
        assertThat(target.get()).contains("cpu", "memory");
    }
}
