package dev.aftershock.kube;

import dev.aftershock.fault.ClusterOps;
import io.kubernetes.client.custom.Quantity;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.AppsV1Api;
import io.kubernetes.client.openapi.apis.CustomObjectsApi;
import io.kubernetes.client.openapi.models.V1LabelSelector;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The VerticalPodAutoscaler of a pod, as the VPA itself finds it: one in the pod's namespace whose
 * {@code targetRef} workload's selector matches the pod's labels. Read through the generic custom
 * objects API ({@code autoscaling.k8s.io/v1}): the VPA is an add-on, and a cluster without its CRD
 * simply has none.
 */
final class VpaReader {
    private static final String GROUP = "autoscaling.k8s.io";
    private static final String VERSION = "v1";
    private static final String PLURAL = "verticalpodautoscalers";

    private final CustomObjectsApi custom;
    private final AppsV1Api apps;

    VpaReader(ApiClient client) {
        this.custom = new CustomObjectsApi(client);
        this.apps = new AppsV1Api(client);
    }

    Optional<ClusterOps.VpaMemory> memoryTarget(String namespace, Map<String, String> podLabels, String container)
            throws ApiException {
        Object listed;
        try {
            listed = custom.listNamespacedCustomObject(GROUP, VERSION, namespace, PLURAL)
                    .execute();
        } catch (ApiException e) {
            if (e.getCode() == 404) {
                return Optional.empty(); // no VPA CRD in this cluster
            }
            throw e;
        }
        for (Object item : list(map(listed).get("items"))) {
            Map<?, ?> vpa = map(item);
            Map<?, ?> ref = map(map(vpa.get("spec")).get("targetRef"));
            Optional<V1LabelSelector> selector =
                    selectorOf(namespace, string(ref.get("kind")), string(ref.get("name")));
            if (selector.isPresent() && ClusterReader.labels(selector.get()).matches(podLabels)) {
                return Optional.of(new ClusterOps.VpaMemory(
                        string(map(vpa.get("metadata")).get("name")), memoryTargetOf(vpa, container)));
            }
        }
        return Optional.empty();
    }

    /** The container's memory target in the VPA's status, when the recommender has written one. */
    static OptionalLong memoryTargetOf(Map<?, ?> vpa, String container) {
        Map<?, ?> recommendation = map(map(vpa.get("status")).get("recommendation"));
        for (Object c : list(recommendation.get("containerRecommendations"))) {
            Map<?, ?> one = map(c);
            if (container.equals(one.get("containerName"))
                    && map(one.get("target")).get("memory") instanceof String memory) {
                return OptionalLong.of(Quantity.fromString(memory).getNumber().longValue());
            }
        }
        return OptionalLong.empty();
    }

    /** The selector of a workload kind the agent targets (and may read); other kinds are not followed. */
    private Optional<V1LabelSelector> selectorOf(String namespace, String kind, String name) throws ApiException {
        try {
            return Optional.ofNullable(
                    switch (kind) {
                        case "Deployment" ->
                            apps.readNamespacedDeployment(name, namespace)
                                    .execute()
                                    .getSpec()
                                    .getSelector();
                        case "StatefulSet" ->
                            apps.readNamespacedStatefulSet(name, namespace)
                                    .execute()
                                    .getSpec()
                                    .getSelector();
                        default -> null;
                    });
        } catch (ApiException e) {
            if (e.getCode() == 404) {
                return Optional.empty(); // a VPA whose workload is gone matches no pod
            }
            throw e;
        }
    }

    private static Map<?, ?> map(Object o) {
        return o instanceof Map<?, ?> m ? m : Map.of();
    }

    private static List<?> list(Object o) {
        return o instanceof List<?> l ? l : List.of();
    }

    private static String string(Object o) {
        return o instanceof String s ? s : "";
    }
}
