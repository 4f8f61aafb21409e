package dev.aftershock.testbed;

import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CustomObjectsApi;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** VerticalPodAutoscalers for the testbed's VPA recommender (every 10 s), in recommendation-only mode. */
public final class TestVpas {
    private static final String GROUP = "autoscaling.k8s.io";
    private static final String PLURAL = "verticalpodautoscalers";

    private TestVpas() {}

    /** A VPA named as the Deployment it targets, with updateMode Off: it recommends, it never evicts. */
    public static void create(TestCluster cluster, String deployment) throws ApiException {
        new CustomObjectsApi(cluster.client())
                .createNamespacedCustomObject(
                        GROUP,
                        "v1",
                        cluster.namespace(),
                        PLURAL,
                        Map.of(
                                "apiVersion",
                                GROUP + "/v1",
                                "kind",
                                "VerticalPodAutoscaler",
                                "metadata",
                                Map.of("name", deployment),
                                "spec",
                                Map.of(
                                        "targetRef",
                                        Map.of("apiVersion", "apps/v1", "kind", "Deployment", "name", deployment),
                                        "updatePolicy",
                                        Map.of("updateMode", "Off"))))
                .execute();
    }

    /** Deletes the VPA if it is there. */
    public static void delete(TestCluster cluster, String name) throws ApiException {
        try {
            new CustomObjectsApi(cluster.client())
                    .deleteNamespacedCustomObject(GROUP, "v1", cluster.namespace(), PLURAL, name)
                    .execute();
        } catch (ApiException e) {
            if (e.getCode() != 404) {
                throw e;
            }
        }
    }

    /** Its first container's memory target, once the recommender has written one. */
    public static Optional<String> memoryTarget(TestCluster cluster, String name) throws ApiException {
        Map<?, ?> vpa = (Map<?, ?>) new CustomObjectsApi(cluster.client())
                .getNamespacedCustomObject(GROUP, "v1", cluster.namespace(), PLURAL, name)
                .execute();
        if (vpa.get("status") instanceof Map<?, ?> status
                && status.get("recommendation") instanceof Map<?, ?> recommendation
                && recommendation.get("containerRecommendations") instanceof List<?> containers
                && !containers.isEmpty()
                && ((Map<?, ?>) containers.get(0)).get("target") instanceof Map<?, ?> target
                && target.get("memory") instanceof String memory) {
            return Optional.of(memory);
        }
        return Optional.empty();
    }
}
