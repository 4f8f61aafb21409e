package dev.aftershock.testbed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.aftershock.testbed.TargetApps.Template;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.AutoscalingV2Api;
import io.kubernetes.client.openapi.models.V2HorizontalPodAutoscaler;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * metrics-server reports the real CPU use of pods on the real nodes, and the HPA scales the target
 * when real requests make it busy.
 */
@ExtendWith(TestbedExtension.class)
class RealLoadAutoscalingIT {
    @Test
    void realLoadShowsInPodMetricsAndTheHpaScalesOut(TestCluster cluster) throws Exception {
        TargetApps.createAndAwaitReady(
                cluster,
                TargetApps.deployment(
                        Template.of("busy").resources("{requests: {cpu: 100m, memory: 96Mi}, limits: {memory: 256Mi}}"),
                        1),
                Duration.ofSeconds(90));
        cluster.core()
                .createNamespacedService(cluster.namespace(), TargetApps.nodePort("busy", 30083, "Cluster"))
                .execute();
        AutoscalingV2Api hpas = new AutoscalingV2Api(cluster.client());
        hpas.createNamespacedHorizontalPodAutoscaler(
                        cluster.namespace(), HorizontalPodAutoscalerIT.cpuAutoscaler("busy", 50, 3))
                .execute();

        // About 20 requests a second of 15 ms CPU each: some 300m against a 100m request.
        var answered = new AtomicLong();
        HttpClient http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        URI work = URI.create("http://" + TargetApps.nodeIp("real-node-1") + ":30083/work?cpuMs=15");
        ScheduledExecutorService load = Executors.newScheduledThreadPool(2);
        load.scheduleAtFixedRate(
                () -> http.sendAsync(
                                HttpRequest.newBuilder(work)
                                        .timeout(Duration.ofSeconds(5))
                                        .build(),
                                HttpResponse.BodyHandlers.discarding())
                        .thenAccept(r -> answered.incrementAndGet()),
                0,
                50,
                TimeUnit.MILLISECONDS);
        try {
            await().atMost(Duration.ofSeconds(90))
                    .pollInterval(Duration.ofSeconds(2))
                    .until(() -> podCpuMillis(cluster, "busy") >= 100);
            await().atMost(Duration.ofSeconds(120))
                    .pollInterval(Duration.ofSeconds(2))
                    .until(() -> desiredReplicas(hpas, cluster) > 1);
        } finally {
            load.shutdownNow();
            http.close();
        }
        assertThat(answered.get()).isPositive();
        V2HorizontalPodAutoscaler hpa = hpas.readNamespacedHorizontalPodAutoscaler("busy", cluster.namespace())
                .execute();
        assertThat(hpa.getStatus()
                        .getCurrentMetrics()
                        .get(0)
                        .getResource()
                        .getCurrent()
                        .getAverageUtilization())
                .as("the HPA saw real utilisation above its 50 % target")
                .isGreaterThan(50);
    }

    /** The highest CPU use metrics-server reports for the app's pods, in millicores. */
    static long podCpuMillis(TestCluster cluster, String app) throws ApiException {
        var api = new io.kubernetes.client.util.generic.GenericKubernetesApi<>(
                io.kubernetes.client.custom.PodMetrics.class,
                io.kubernetes.client.custom.PodMetricsList.class,
                "metrics.k8s.io",
                "v1beta1",
                "pods",
                cluster.client());
        var metrics = api.list(cluster.namespace()).throwsApiException().getObject();
        return metrics.getItems().stream()
                .filter(m -> m.getMetadata().getName().startsWith(app + "-"))
                .flatMap(m -> m.getContainers().stream())
                .mapToLong(c ->
                        c.getUsage().get("cpu").getNumber().movePointRight(3).longValue())
                .max()
                .orElse(0);
    }

    private static int desiredReplicas(AutoscalingV2Api hpas, TestCluster cluster) throws ApiException {
        var status = hpas.readNamespacedHorizontalPodAutoscaler("busy", cluster.namespace())
                .execute()
                .getStatus();
        return status == null || status.getDesiredReplicas() == null ? 0 : status.getDesiredReplicas();
    }
}
