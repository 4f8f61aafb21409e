package dev.aftershock.testbed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.aftershock.testbed.TargetApps.Template;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.models.V1Node;
import io.kubernetes.client.openapi.models.V1Pod;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A memory hog on a real node: the kubelet reports MemoryPressure and evicts pods, BestEffort before
 * Burstable before Guaranteed. The testbed's real nodes offer their pods 2 GiB and evict when less
 * than 256 MiB of it is left (testbed/real-nodes), so a test can reach the threshold safely.
 */
@ExtendWith(TestbedExtension.class)
class MemoryPressureIT {
    private static final String NODE = "real-node-2";

    @Test
    void theKubeletEvictsBestEffortThenBurstableThenGuaranteed(TestCluster cluster) throws Exception {
        // The memory arithmetic below needs the node to itself: pods of earlier test classes may still
        // be terminating there (their namespaces are deleted after each class).
        await().atMost(Duration.ofSeconds(90))
                .pollInterval(Duration.ofSeconds(1))
                .alias("no other pod left on " + NODE)
                .until(() -> cluster.core()
                        .listPodForAllNamespaces()
                        .fieldSelector("spec.nodeName=" + NODE)
                        .execute()
                        .getItems()
                        .isEmpty());
        // Each pod holds memory off-heap. BestEffort pods exceed their (zero) requests the most,
        // Burstable ones exceed theirs by less, Guaranteed ones stay within theirs.
        List<Template> victims = List.of(
                Template.of("best-effort-1").resources("{}").env("HOLD_MIB", "150"),
                Template.of("best-effort-2").resources("{}").env("HOLD_MIB", "150"),
                Template.of("burstable-1")
                        .resources("{requests: {memory: 32Mi}, limits: {memory: 512Mi}}")
                        .env("HOLD_MIB", "80"),
                Template.of("burstable-2")
                        .resources("{requests: {memory: 32Mi}, limits: {memory: 512Mi}}")
                        .env("HOLD_MIB", "80"),
                Template.of("guaranteed-1")
                        .resources("{requests: {cpu: 500m, memory: 192Mi}, limits: {cpu: 500m, memory: 192Mi}}")
                        .env("HOLD_MIB", "120"));
        for (Template t : victims) {
            TargetApps.createAndAwaitReady(cluster, TargetApps.pod(t.onNode(NODE)), Duration.ofSeconds(90));
        }

        Map<String, OffsetDateTime> evictedAt = new ConcurrentHashMap<>();
        List<OffsetDateTime> pressureSeen = new ArrayList<>();
        ScheduledExecutorService watcher = Executors.newSingleThreadScheduledExecutor();
        watcher.scheduleAtFixedRate(() -> record(cluster, evictedAt, pressureSeen), 0, 250, TimeUnit.MILLISECONDS);
        try {
            // The hog is Guaranteed too and grows slowly, so the kubelet sees the pressure build up; it
            // holds enough that the pressure lasts until a Guaranteed pod goes.
            TargetApps.createAndAwaitReady(
                    cluster,
                    TargetApps.pod(Template.of("guaranteed-hog")
                            .onNode(NODE)
                            .resources("{requests: {cpu: 500m, memory: 1700Mi}, limits: {cpu: 500m, memory: 1700Mi}}")
                            .env("HOLD_MIB", "1620")
                            .env("HOLD_RATE_MIB_PER_SECOND", "20")),
                    Duration.ofSeconds(90));
            // The kubelet evicts one pod per round until the pressure is gone; with the hog held,
            // that takes both BestEffort pods and at least one Burstable one.
            await().atMost(Duration.ofMinutes(4))
                    .pollInterval(Duration.ofSeconds(1))
                    .until(() -> evictedAt.keySet().stream().anyMatch(n -> n.startsWith("burstable")));
            Thread.sleep(15_000);
        } finally {
            watcher.shutdownNow();
            cluster.core()
                    .deleteNamespacedPod("guaranteed-hog", cluster.namespace())
                    .execute();
        }

        assertThat(pressureSeen).as("the node reported MemoryPressure").isNotEmpty();
        List<String> order = evictedAt.entrySet().stream()
                .sorted(Map.Entry.comparingByValue(Comparator.naturalOrder()))
                .map(Map.Entry::getKey)
                .toList();
        assertThat(order).contains("best-effort-1", "best-effort-2").anyMatch(n -> n.startsWith("burstable"));
        assertThat(lastIndexOf(order, "best-effort"))
                .as("BestEffort before Burstable: %s", order)
                .isLessThan(firstIndexOf(order, "burstable"));
        int firstGuaranteed = firstIndexOf(order, "guaranteed");
        if (firstGuaranteed != Integer.MAX_VALUE) {
            assertThat(order.subList(firstGuaranteed, order.size()))
                    .as("Guaranteed only after every Burstable: %s", order)
                    .noneMatch(n -> n.startsWith("burstable") || n.startsWith("best-effort"));
            assertThat(order).contains("burstable-1", "burstable-2");
        }
    }

    private static void record(
            TestCluster cluster, Map<String, OffsetDateTime> evictedAt, List<OffsetDateTime> pressure) {
        try {
            for (V1Pod pod : cluster.core()
                    .listNamespacedPod(cluster.namespace())
                    .execute()
                    .getItems()) {
                var status = pod.getStatus();
                if (status != null && "Evicted".equals(status.getReason())) {
                    evictedAt.putIfAbsent(pod.getMetadata().getName(), evictionTime(pod));
                }
            }
            V1Node node = cluster.core().readNode(NODE).execute();
            boolean underPressure = node.getStatus().getConditions().stream()
                    .anyMatch(c -> "MemoryPressure".equals(c.getType()) && "True".equals(c.getStatus()));
            if (underPressure) {
                synchronized (pressure) {
                    pressure.add(OffsetDateTime.now());
                }
            }
        } catch (ApiException | RuntimeException e) {
            // The next round looks again.
        }
    }

    /** When the kubelet marked the pod failed: its DisruptionTarget condition, else now. */
    private static OffsetDateTime evictionTime(V1Pod pod) {
        return pod.getStatus().getConditions() == null
                ? OffsetDateTime.now()
                : pod.getStatus().getConditions().stream()
                        .filter(c -> "DisruptionTarget".equals(c.getType()) && c.getLastTransitionTime() != null)
                        .map(c -> c.getLastTransitionTime())
                        .findFirst()
                        .orElse(OffsetDateTime.now());
    }

    private static int firstIndexOf(List<String> order, String prefix) {
        for (int i = 0; i < order.size(); i++) {
            if (order.get(i).startsWith(prefix)) {
                return i;
            }
        }
        return Integer.MAX_VALUE;
    }

    private static int lastIndexOf(List<String> order, String prefix) {
        int last = -1;
        for (int i = 0; i < order.size(); i++) {
            if (order.get(i).startsWith(prefix)) {
                last = i;
            }
        }
        return last;
    }
}
