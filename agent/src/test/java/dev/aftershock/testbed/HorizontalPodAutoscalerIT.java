package dev.aftershock.testbed;

import static org.awaitility.Awaitility.await;

import io.kubernetes.client.custom.V1Patch;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.AutoscalingV2Api;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V2CrossVersionObjectReference;
import io.kubernetes.client.openapi.models.V2HPAScalingPolicy;
import io.kubernetes.client.openapi.models.V2HPAScalingRules;
import io.kubernetes.client.openapi.models.V2HorizontalPodAutoscaler;
import io.kubernetes.client.openapi.models.V2HorizontalPodAutoscalerBehavior;
import io.kubernetes.client.openapi.models.V2HorizontalPodAutoscalerSpec;
import io.kubernetes.client.openapi.models.V2MetricSpec;
import io.kubernetes.client.openapi.models.V2MetricTarget;
import io.kubernetes.client.openapi.models.V2ResourceMetricSource;
import io.kubernetes.client.util.PatchUtils;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The real HPA controller scales on metrics-server's numbers, fed by kwok's simulated usage. */
@ExtendWith(TestbedExtension.class)
class HorizontalPodAutoscalerIT {
    @Test
    void scalesOutWhenCpuRisesAndBackInWhenItFalls(TestCluster cluster) throws ApiException {
        TestWorkloads.create(cluster, TestWorkloads.onKwok("busy", 1, "100m", Map.of(TestWorkloads.USAGE_CPU, "10m")));
        AutoscalingV2Api hpas = new AutoscalingV2Api(cluster.client());
        hpas.createNamespacedHorizontalPodAutoscaler(cluster.namespace(), cpuAutoscaler("busy", 50, 4))
                .execute();
        await().atMost(Duration.ofSeconds(90)).until(() -> metricSeen(hpas, cluster));

        setUsage(cluster, "busy", "300m");
        await().atMost(Duration.ofSeconds(120)).until(() -> desiredReplicas(hpas, cluster) > 1);

        setUsage(cluster, "busy", "5m");
        await().atMost(Duration.ofSeconds(180)).until(() -> desiredReplicas(hpas, cluster) == 1);
    }

    static V2HorizontalPodAutoscaler cpuAutoscaler(String name, int utilization, int maxReplicas) {
        // No stabilization: the test should see the controller's decision, not wait out its default 300 s.
        V2HPAScalingRules immediate = new V2HPAScalingRules()
                .stabilizationWindowSeconds(0)
                .policies(List.of(
                        new V2HPAScalingPolicy().type("Percent").value(100).periodSeconds(15)));
        return new V2HorizontalPodAutoscaler()
                .metadata(new V1ObjectMeta().name(name))
                .spec(new V2HorizontalPodAutoscalerSpec()
                        .scaleTargetRef(new V2CrossVersionObjectReference()
                                .apiVersion("apps/v1")
                                .kind("Deployment")
                                .name(name))
                        .minReplicas(1)
                        .maxReplicas(maxReplicas)
                        .behavior(new V2HorizontalPodAutoscalerBehavior()
                                .scaleUp(immediate)
                                .scaleDown(immediate))
                        .metrics(List.of(new V2MetricSpec()
                                .type("Resource")
                                .resource(new V2ResourceMetricSource()
                                        .name("cpu")
                                        .target(new V2MetricTarget()
                                                .type("Utilization")
                                                .averageUtilization(utilization))))));
    }

    static void setUsage(TestCluster cluster, String app, String cpu) throws ApiException {
        String patch = "{\"metadata\":{\"annotations\":{\"" + TestWorkloads.USAGE_CPU + "\":\"" + cpu + "\"}}}";
        for (V1Pod pod : TestWorkloads.pods(cluster, app)) {
            PatchUtils.patch(
                    V1Pod.class,
                    () -> cluster.core()
                            .patchNamespacedPod(pod.getMetadata().getName(), cluster.namespace(), new V1Patch(patch))
                            .buildCall(null),
                    V1Patch.PATCH_FORMAT_JSON_MERGE_PATCH,
                    cluster.client());
        }
    }

    private static boolean metricSeen(AutoscalingV2Api hpas, TestCluster cluster) throws ApiException {
        var status = hpas.readNamespacedHorizontalPodAutoscaler("busy", cluster.namespace())
                .execute()
                .getStatus();
        return status != null
                && status.getCurrentMetrics() != null
                && !status.getCurrentMetrics().isEmpty();
    }

    private static int desiredReplicas(AutoscalingV2Api hpas, TestCluster cluster) throws ApiException {
        var status = hpas.readNamespacedHorizontalPodAutoscaler("busy", cluster.namespace())
                .execute()
                .getStatus();
        return status == null ? 0 : status.getDesiredReplicas();
    }
}
