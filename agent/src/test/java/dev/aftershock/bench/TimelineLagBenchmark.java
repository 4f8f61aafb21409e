package dev.aftershock.bench;

import com.google.gson.reflect.TypeToken;
import dev.aftershock.evaluation.Observed;
import dev.aftershock.kube.ClusterAccess;
import dev.aftershock.kube.ClusterWatch;
import dev.aftershock.kube.KubeClients;
import io.kubernetes.client.custom.V1Patch;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.AutoscalingV2Api;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1Namespace;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V2HorizontalPodAutoscaler;
import io.kubernetes.client.util.PatchUtils;
import io.kubernetes.client.util.Watch;
import io.kubernetes.client.util.Yaml;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Timeline lag: from an HPA status update written to the API server to the agent's timeline
 * recording it (ClusterWatch, the informers a run uses). Baseline, side by side on the same changes:
 * a bare client-java watch on the same HPA, no informer, no translation. Target: p99 < 50 ms.
 * Run: scripts/bench lag [changes]; under pod churn (see {@link #podChurn}): scripts/bench lag pods [changes]
 */
public final class TimelineLagBenchmark {
    private static final String NAMESPACE = "aftershock-lag-bench";
    private static final String HPA = "lag";

    private TimelineLagBenchmark() {}

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("pods")) {
            podChurn(args.length > 1 ? Integer.parseInt(args[1]) : 1200);
            return;
        }
        int changes = args.length > 0 ? Integer.parseInt(args[0]) : 300;
        Path kubeconfig = Path.of(System.getenv("KUBECONFIG"));
        ApiClient client = KubeClients.forCalls(new ClusterAccess.Kubeconfig(kubeconfig));
        ApiClient watchClient = KubeClients.forWatches(new ClusterAccess.Kubeconfig(kubeconfig));
        CoreV1Api core = new CoreV1Api(client);
        AutoscalingV2Api autoscaling = new AutoscalingV2Api(client);
        ensureNamespace(core, NAMESPACE);
        try {
            autoscaling.deleteNamespacedHorizontalPodAutoscaler(HPA, NAMESPACE).execute();
        } catch (ApiException e) {
            if (e.getCode() != 404) {
                throw e;
            }
        }
        // It scales a Deployment that does not exist: the controller leaves our replica counts alone.
        autoscaling
                .createNamespacedHorizontalPodAutoscaler(NAMESPACE, Yaml.loadAs("""
                                apiVersion: autoscaling/v2
                                kind: HorizontalPodAutoscaler
                                metadata: {name: lag}
                                spec:
                                  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: absent}
                                  minReplicas: 1
                                  maxReplicas: 100000
                                  metrics: [{type: Resource, resource: {name: cpu, target: {type: Utilization, averageUtilization: 50}}}]
                                """, V2HorizontalPodAutoscaler.class))
                .execute();

        Map<Integer, Long> timeline = new ConcurrentHashMap<>();
        Map<Integer, Long> bare = new ConcurrentHashMap<>();
        Map<Integer, Long> sent = new ConcurrentHashMap<>();
        Map<Integer, Long> answered = new ConcurrentHashMap<>();
        int offset = 1000; // values the controller never writes itself
        try (var informers = new dev.aftershock.kube.SharedInformers(watchClient);
                ClusterWatch watch = new ClusterWatch(
                        informers,
                        new ClusterWatch.Scope(
                                NAMESPACE,
                                dev.aftershock.selection.LabelSelector.of(Map.of("app", "none")),
                                "deployment",
                                "absent",
                                true),
                        () -> 0L,
                        o -> {
                            if (o instanceof Observed.HpaStatus h && h.hpa().equals(HPA)) {
                                timeline.putIfAbsent(h.current(), System.nanoTime());
                            }
                        })) {
            watch.start(Duration.ofSeconds(30));
            Thread bareWatch = Thread.ofPlatform().daemon().start(() -> bareWatch(watchClient, bare));
            Thread.sleep(1000);
            for (int i = 1; i <= changes; i++) {
                int value = offset + i;
                String patch = "{\"status\":{\"currentReplicas\":%d,\"desiredReplicas\":%d}}".formatted(value, value);
                sent.put(value, System.nanoTime());
                PatchUtils.patch(
                        V2HorizontalPodAutoscaler.class,
                        () -> autoscaling
                                .patchNamespacedHorizontalPodAutoscalerStatus(HPA, NAMESPACE, new V1Patch(patch))
                                .buildCall(null),
                        V1Patch.PATCH_FORMAT_JSON_MERGE_PATCH,
                        client);
                answered.put(value, System.nanoTime());
                Thread.sleep(20);
            }
            Thread.sleep(2000);
            bareWatch.interrupt();
        }
        compare(timeline, bare, sent, answered, changes, "(target: timeline p99 < 50 ms)");
        core.deleteNamespace(NAMESPACE).execute();
    }

    /** Pods that match the run's selector: they churn, the run watches them. */
    private static final String CHURN = "churn";

    /**
     * Watch lag under churn: 20 pod changes a second in the watched namespace (a pod of the target's
     * labels created, then one deleted, every 50 ms), from each change's write to the run's timeline
     * (ClusterWatch) and, side by side in the same process, to a bare client-java watch of the same
     * pods. The pods ask for a node that no node is, so only the writes here change them (and the
     * scheduler's one status update saying so). Target: timeline p99 at most 1.2x the bare watch's.
     */
    private static void podChurn(int changes) throws Exception {
        Path kubeconfig = Path.of(System.getenv("KUBECONFIG"));
        ApiClient client = KubeClients.forCalls(new ClusterAccess.Kubeconfig(kubeconfig));
        ApiClient watchClient = KubeClients.forWatches(new ClusterAccess.Kubeconfig(kubeconfig));
        CoreV1Api core = new CoreV1Api(client);
        String ns = NAMESPACE + "-pods";
        ensureNamespace(core, ns);
        core.deleteCollectionNamespacedPod(ns).gracePeriodSeconds(0).execute();
        // A change is a pod's name and whether it is the deletion ("-" suffix) or the creation.
        Map<String, Long> timeline = new ConcurrentHashMap<>();
        Map<String, Long> bare = new ConcurrentHashMap<>();
        Map<String, Long> sent = new ConcurrentHashMap<>();
        Map<String, Long> answered = new ConcurrentHashMap<>();
        try (var informers = new dev.aftershock.kube.SharedInformers(watchClient);
                ClusterWatch watch = new ClusterWatch(
                        informers,
                        new ClusterWatch.Scope(
                                ns,
                                dev.aftershock.selection.LabelSelector.of(Map.of("app", CHURN)),
                                "deployment",
                                CHURN,
                                true),
                        () -> 0L,
                        o -> {
                            if (o instanceof Observed.PodStatus pod) {
                                timeline.putIfAbsent(pod.pod() + (pod.gone() ? "-" : "+"), System.nanoTime());
                            }
                        })) {
            watch.start(Duration.ofSeconds(30));
            Thread bareWatch = Thread.ofPlatform().daemon().start(() -> barePodWatch(watchClient, ns, bare));
            Thread.sleep(1000);
            int created = 0;
            int deleted = 0;
            long next = System.nanoTime();
            for (int i = 0; i < changes; i++) {
                // Creations keep five pods ahead of deletions.
                boolean create = created < 5 || i % 2 == 0;
                String name = "churn-" + (create ? created++ : deleted++);
                String change = name + (create ? "+" : "-");
                sent.put(change, System.nanoTime());
                if (create) {
                    core.createNamespacedPod(ns, churnPod(name)).execute();
                } else {
                    core.deleteNamespacedPod(name, ns).gracePeriodSeconds(0).execute();
                }
                answered.put(change, System.nanoTime());
                next += TimeUnit.MILLISECONDS.toNanos(50);
                long wait = next - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
            }
            Thread.sleep(2000);
            bareWatch.interrupt();
        }
        compare(timeline, bare, sent, answered, changes, "(target <= 1.2; 20 pod changes a second)");
        core.deleteNamespace(ns).execute();
    }

    private static void ensureNamespace(CoreV1Api core, String name) throws ApiException {
        try {
            core.createNamespace(new V1Namespace().metadata(new V1ObjectMeta().name(name)))
                    .execute();
        } catch (ApiException e) {
            if (e.getCode() != 409) {
                throw e;
            }
        }
    }

    private static V1Pod churnPod(String name) {
        V1Pod pod = Yaml.loadAs("""
                apiVersion: v1
                kind: Pod
                metadata: {name: %s, labels: {app: %s}}
                spec:
                  nodeSelector: {aftershock.dev/bench: nowhere}
                  containers: [{name: app, image: aftershock.test/simulated:1}]
                """.formatted(name, CHURN), V1Pod.class);
        // The model comes with an empty overhead map, which the API server takes as set.
        pod.getSpec().setOverhead(null);
        return pod;
    }

    private static void barePodWatch(ApiClient watchClient, String ns, Map<String, Long> seen) {
        CoreV1Api api = new CoreV1Api(watchClient);
        try (Watch<V1Pod> watch = Watch.createWatch(
                watchClient,
                api.listNamespacedPod(ns)
                        .labelSelector("app=" + CHURN)
                        .watch(true)
                        .timeoutSeconds(600)
                        .buildCall(null),
                new TypeToken<Watch.Response<V1Pod>>() {}.getType())) {
            for (Watch.Response<V1Pod> event : watch) {
                if (event.object != null && event.object.getMetadata() != null) {
                    String name = event.object.getMetadata().getName();
                    seen.putIfAbsent(name + (event.type.equals("DELETED") ? "-" : "+"), System.nanoTime());
                }
            }
        } catch (Exception ended) {
            // Interrupted at the end of the benchmark.
        }
    }

    private static void bareWatch(ApiClient watchClient, Map<Integer, Long> seen) {
        AutoscalingV2Api api = new AutoscalingV2Api(watchClient);
        try (Watch<V2HorizontalPodAutoscaler> watch = Watch.createWatch(
                watchClient,
                api.listNamespacedHorizontalPodAutoscaler(NAMESPACE)
                        .watch(true)
                        .timeoutSeconds(600)
                        .buildCall(null),
                new TypeToken<Watch.Response<V2HorizontalPodAutoscaler>>() {}.getType())) {
            for (Watch.Response<V2HorizontalPodAutoscaler> event : watch) {
                var status = event.object == null ? null : event.object.getStatus();
                if (status != null && status.getCurrentReplicas() != null) {
                    seen.putIfAbsent(status.getCurrentReplicas(), System.nanoTime());
                }
            }
        } catch (Exception ended) {
            // Interrupted at the end of the benchmark.
        }
    }

    /** Both watches' lags, then the ratio of their p99s. */
    private static <K> void compare(
            Map<K, Long> timeline,
            Map<K, Long> bare,
            Map<K, Long> sent,
            Map<K, Long> answered,
            int changes,
            String target) {
        reportLags("agent timeline (ClusterWatch)", timeline, sent, answered, changes);
        reportLags("baseline: bare watch", bare, sent, answered, changes);
        double agentP99 = Stats.percentile(lagsOf(timeline, sent), 99);
        double bareP99 = Stats.percentile(lagsOf(bare, sent), 99);
        System.out.printf(Locale.ROOT, "ratio p99 timeline/bare watch: %.2f %s%n", agentP99 / bareP99, target);
    }

    private static <K> List<Double> lagsOf(Map<K, Long> seen, Map<K, Long> sent) {
        List<Double> lags = new ArrayList<>();
        sent.forEach((value, at) -> {
            Long when = seen.get(value);
            if (when != null) {
                lags.add((when - at) / 1e6);
            }
        });
        lags.sort(Double::compare);
        return lags;
    }

    private static <K> void reportLags(
            String what, Map<K, Long> seen, Map<K, Long> sent, Map<K, Long> answered, int changes) {
        List<Double> fromSend = lagsOf(seen, sent);
        List<Double> fromAnswer = lagsOf(seen, answered);
        System.out.printf(
                Locale.ROOT,
                "%-32s seen %d of %d; from the write's request: p50 %.1f ms p99 %.1f ms max %.1f ms;"
                        + " from its response: p50 %.1f ms p99 %.1f ms%n",
                what,
                fromSend.size(),
                changes,
                Stats.percentile(fromSend, 50),
                Stats.percentile(fromSend, 99),
                fromSend.isEmpty() ? Double.NaN : fromSend.get(fromSend.size() - 1),
                Stats.percentile(fromAnswer, 50),
                Stats.percentile(fromAnswer, 99));
    }
}
