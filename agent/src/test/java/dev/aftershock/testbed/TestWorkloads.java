package dev.aftershock.testbed;

import io.kubernetes.client.custom.Quantity;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.models.V1Container;
import io.kubernetes.client.openapi.models.V1Deployment;
import io.kubernetes.client.openapi.models.V1DeploymentSpec;
import io.kubernetes.client.openapi.models.V1LabelSelector;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodSpec;
import io.kubernetes.client.openapi.models.V1PodTemplateSpec;
import io.kubernetes.client.openapi.models.V1ResourceRequirements;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Deployments for tests on simulated (kwok) nodes: the image is never pulled there. */
public final class TestWorkloads {
    public static final String KWOK_IMAGE = "aftershock.test/simulated:1";
    /** kwok's usage-from-annotation reads the simulated CPU use of a pod from this annotation. */
    public static final String USAGE_CPU = "kwok.x-k8s.io/usage-cpu";

    public static final String USAGE_MEMORY = "kwok.x-k8s.io/usage-memory";

    private TestWorkloads() {}

    public static V1Deployment onKwok(
            String name, int replicas, String cpuRequest, Map<String, String> podAnnotations) {
        Map<String, String> labels = Map.of("app", name);
        return new V1Deployment()
                .metadata(new V1ObjectMeta().name(name).labels(labels))
                .spec(new V1DeploymentSpec()
                        .replicas(replicas)
                        .selector(new V1LabelSelector().matchLabels(labels))
                        .template(new V1PodTemplateSpec()
                                .metadata(new V1ObjectMeta().labels(labels).annotations(new HashMap<>(podAnnotations)))
                                .spec(new V1PodSpec()
                                        .nodeSelector(new HashMap<>(Map.of("type", "kwok")))
                                        .terminationGracePeriodSeconds(1L)
                                        .containers(List.of(new V1Container()
                                                .name("app")
                                                .image(KWOK_IMAGE)
                                                .resources(new V1ResourceRequirements()
                                                        .requests(Map.of(
                                                                "cpu", Quantity.fromString(cpuRequest),
                                                                "memory", Quantity.fromString("64Mi")))))))));
    }

    public static V1Deployment create(TestCluster cluster, V1Deployment deployment) throws ApiException {
        return cluster.apps()
                .createNamespacedDeployment(cluster.namespace(), deployment)
                .execute();
    }

    public static List<V1Pod> pods(TestCluster cluster, String app) throws ApiException {
        return cluster.core()
                .listNamespacedPod(cluster.namespace())
                .labelSelector("app=" + app)
                .execute()
                .getItems();
    }

    public static int availableReplicas(TestCluster cluster, String name) throws ApiException {
        var status = cluster.apps()
                .readNamespacedDeployment(name, cluster.namespace())
                .execute()
                .getStatus();
        return status == null || status.getAvailableReplicas() == null ? 0 : status.getAvailableReplicas();
    }
}
