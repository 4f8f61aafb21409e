package dev.aftershock.kube;

import dev.aftershock.selection.ClusterSnapshot;
import io.kubernetes.client.informer.SharedIndexInformer;
import io.kubernetes.client.informer.SharedInformerFactory;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1Node;
import io.kubernetes.client.openapi.models.V1Pod;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;

/**
 * The nodes and the pods of the namespaces a run's faults touch, as watches keep them: what the
 * guards and the pod re-picks read at the moment of an injection, in memory, so checking them adds
 * no API round trip to the injection (a list of every pod before each kill did). Started before the
 * timeline; until a watch has listed, reads go to the API server.
 */
final class LiveState implements AutoCloseable {
    private static final Duration LIST_LIMIT = Duration.ofSeconds(10);

    private final ApiClient client;
    private final ApiClient watchClient;
    private final ExecutorService threads = Awaiting.informerThreads("aftershock-live-state");
    private final Map<String, SharedIndexInformer<V1Pod>> pods = new ConcurrentHashMap<>();
    private final java.util.List<SharedInformerFactory> factories = new java.util.concurrent.CopyOnWriteArrayList<>();
    private volatile SharedIndexInformer<V1Node> nodes;
    private final Map<String, ClusterSnapshot.PodView> views = new ConcurrentHashMap<>();

    LiveState(ApiClient client, ApiClient watchClient) {
        this.client = client;
        this.watchClient = watchClient;
    }

    List<ClusterSnapshot.NodeView> nodes() throws ApiException {
        SharedIndexInformer<V1Node> informer = nodeInformer();
        if (informer != null && informer.hasSynced()) {
            return informer.getIndexer().list().stream()
                    .map(ClusterReader::node)
                    .toList();
        }
        return new CoreV1Api(client)
                .listNode().execute().getItems().stream()
                        .map(ClusterReader::node)
                        .toList();
    }

    List<ClusterSnapshot.PodView> pods(String namespace) throws ApiException {
        SharedIndexInformer<V1Pod> informer = podInformer(namespace);
        if (informer != null && informer.hasSynced()) {
            return informer.getIndexer().list().stream().map(this::view).toList();
        }
        return new ClusterReader(client).pods(namespace);
    }

    /** Each pod version is turned into a view once: a kill reads the namespace's pods, and most have not changed. */
    private ClusterSnapshot.PodView view(V1Pod pod) {
        String key = pod.getMetadata().getUid() + "@" + pod.getMetadata().getResourceVersion();
        ClusterSnapshot.PodView cached = views.get(key);
        if (cached != null) {
            return cached;
        }
        if (views.size() > 100_000) {
            views.clear();
        }
        ClusterSnapshot.PodView view = ClusterReader.pod(pod);
        views.put(key, view);
        return view;
    }

    /** The pod's own terminationGracePeriodSeconds, if the namespace's watch has it. */
    java.util.Optional<Long> ownGraceSeconds(String namespace, String name, String uid) {
        SharedIndexInformer<V1Pod> informer = pods.get(namespace);
        if (informer == null || !informer.hasSynced()) {
            return java.util.Optional.empty();
        }
        V1Pod pod = informer.getIndexer().getByKey(namespace + "/" + name);
        if (pod == null
                || pod.getSpec() == null
                || !uid.equals(pod.getMetadata().getUid())) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.ofNullable(pod.getSpec().getTerminationGracePeriodSeconds());
    }

    private synchronized SharedIndexInformer<V1Node> nodeInformer() {
        if (nodes == null) {
            SharedInformerFactory factory = new SharedInformerFactory(watchClient, threads, false);
            nodes = Informers.nodes(factory, watchClient);
            start(factory, nodes);
        }
        return nodes;
    }

    private SharedIndexInformer<V1Pod> podInformer(String namespace) {
        return pods.computeIfAbsent(namespace, ns -> {
            SharedInformerFactory factory = new SharedInformerFactory(watchClient, threads, false);
            SharedIndexInformer<V1Pod> informer = Informers.pods(factory, watchClient, ns, "");
            start(factory, informer);
            return informer;
        });
    }

    private void start(SharedInformerFactory factory, SharedIndexInformer<?> informer) {
        factories.add(factory);
        try {
            // Not listed within the limit (no permission to watch, say): reads fall back to the API server.
            Awaiting.started(factory, List.of(informer), LIST_LIMIT);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        factories.forEach(SharedInformerFactory::stopAllRegisteredInformers);
        threads.shutdownNow();
    }
}
