package dev.aftershock.kube;

import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.AppsV1Api;
import io.kubernetes.client.openapi.apis.AutoscalingV2Api;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1Deployment;
import io.kubernetes.client.openapi.models.V1Namespace;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1Service;
import io.kubernetes.client.openapi.models.V2HorizontalPodAutoscaler;
import io.kubernetes.client.util.Yaml;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Deploys the demo's target (charts/target) into a namespace of its own, from scratch each time: the
 * namespace is deleted and created again, so that a demo never starts from what the last one left
 * (an HPA still at four replicas, a half-finished rollout).
 */
public final class DemoDeployment {
    private final CoreV1Api core;
    private final AppsV1Api apps;
    private final AutoscalingV2Api autoscaling;

    public DemoDeployment(ApiClient client) {
        this.core = new CoreV1Api(client);
        this.apps = new AppsV1Api(client);
        this.autoscaling = new AutoscalingV2Api(client);
    }

    /** Deletes the namespace if it exists and waits until the API server has removed it. */
    public void deleteNamespace(String namespace, Duration within) throws ApiException, InterruptedException {
        if (notFound(() -> core.deleteNamespace(namespace).execute())) {
            return;
        }
        Instant deadline = Instant.now().plus(within);
        // A one-off setup step, not part of any timeline: reading twice a second is enough here.
        while (Instant.now().isBefore(deadline)) {
            if (notFound(() -> core.readNamespace(namespace).execute())) {
                return;
            }
            Thread.sleep(500);
        }
        throw new IllegalStateException(
                "namespace " + namespace + " was still terminating after " + within.toSeconds() + " s");
    }

    private interface Call {
        void execute() throws ApiException;
    }

    /** Makes the call; true if the API server answered that the object is not there. */
    private static boolean notFound(Call call) throws ApiException {
        try {
            call.execute();
            return false;
        } catch (ApiException e) {
            if (e.getCode() == 404) {
                return true;
            }
            throw e;
        }
    }

    /**
     * Creates the namespace and every object of the manifests in it, with {@code image} in place of
     * the Deployment's container image. Only the kinds the target's manifests hold are accepted.
     */
    public void create(String namespace, String manifests, String image) throws ApiException, IOException {
        core.createNamespace(new V1Namespace()
                        .metadata(new V1ObjectMeta()
                                .name(namespace)
                                .labels(Map.of("app.kubernetes.io/part-of", "aftershock-demo"))))
                .execute();
        List<Object> objects = Yaml.loadAll(manifests);
        for (Object o : objects) {
            switch (o) {
                case V1Deployment d -> {
                    d.getSpec().getTemplate().getSpec().getContainers().forEach(c -> c.setImage(image));
                    d.getSpec().getTemplate().getSpec().setOverhead(null);
                    apps.createNamespacedDeployment(namespace, d).execute();
                }
                case V1Service s -> core.createNamespacedService(namespace, s).execute();
                case V2HorizontalPodAutoscaler h ->
                    autoscaling
                            .createNamespacedHorizontalPodAutoscaler(namespace, h)
                            .execute();
                default ->
                    throw new IllegalArgumentException(
                            "the demo's manifests hold a " + o.getClass().getSimpleName()
                                    + "; only a Deployment, a Service and a HorizontalPodAutoscaler are expected");
            }
        }
    }

    /** The InternalIP of the first Ready node with the label {@code key=value}. */
    public Optional<String> nodeAddress(String key, String value) throws ApiException {
        return core.listNode().labelSelector(key + "=" + value).execute().getItems().stream()
                .filter(n -> ClusterReader.node(n).ready())
                .flatMap(n -> n.getStatus().getAddresses().stream())
                .filter(a -> "InternalIP".equals(a.getType()))
                .map(a -> a.getAddress())
                .findFirst();
    }
}
