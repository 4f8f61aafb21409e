package dev.aftershock.kube;

import dev.aftershock.selection.ClusterSnapshot;
import io.kubernetes.client.informer.SharedIndexInformer;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1Node;
import io.kubernetes.client.openapi.models.V1Pod;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The nodes and the pods of the namespaces a run's faults touch, as watches keep them: what the
 * guards and the pod re-picks read at the moment of an injection, in memory, so checking them adds
 * no API round trip to the injection (a list of every pod before each kill did). Started before the
 * timeline; until a watch has listed, reads go to the API server. The watches are the run's
 * {@link SharedInformers}.
 */
final class LiveState {
    private final ApiClient client;
    private final SharedInformers informers;
    private final Map<String, ClusterSnapshot.PodView> views = new ConcurrentHashMap<>();
    private final Set<Object> awaited = ConcurrentHashMap.newKeySet();

    LiveState(ApiClient client, SharedInformers informers) {
        this.client = client;
        this.informers = informers;
    }

    List<ClusterSnapshot.NodeView> nodes() throws ApiException {
        SharedIndexInformer<V1Node> informer = nodeInformer();
        if (informer.hasSynced()) {
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
        if (informer.hasSynced()) {
            List<V1Pod> pods = informer.getIndexer().list();
            List<ClusterSnapshot.PodView> views = new java.util.ArrayList<>(pods.size());
            for (V1Pod pod : pods) {
                views.add(view(pod));
            }
            return views;
        }
        return new ClusterReader(client).pods(namespace);
    }

    /** The pod with this uid as the namespace's watch has it now (read from the API server until it has listed). */
    java.util.Optional<dev.aftershock.fault.ClusterOps.PodStatusNow> podStatus(String namespace, String uid)
            throws ApiException {
        SharedIndexInformer<V1Pod> informer = podInformer(namespace);
        List<V1Pod> pods = informer.hasSynced()
                ? informer.getIndexer().list()
                : new CoreV1Api(client).listNamespacedPod(namespace).execute().getItems();
        for (V1Pod pod : pods) {
            if (uid.equals(pod.getMetadata().getUid())) {
                Map<String, Integer> restarts = new java.util.HashMap<>();
                Map<String, String> ids = new java.util.HashMap<>();
                Map<String, Integer> lastExits = new java.util.HashMap<>();
                Map<String, String> lastReasons = new java.util.HashMap<>();
                if (pod.getStatus() != null && pod.getStatus().getContainerStatuses() != null) {
                    for (var c : pod.getStatus().getContainerStatuses()) {
                        restarts.put(c.getName(), c.getRestartCount());
                        if (c.getContainerID() != null
                                && c.getState() != null
                                && c.getState().getRunning() != null) {
                            // "containerd://<id>": the id is what the node's cgroups name.
                            ids.put(c.getName(), c.getContainerID().replaceFirst("^[a-z0-9-]+://", ""));
                        }
                        if (c.getLastState() != null && c.getLastState().getTerminated() != null) {
                            lastExits.put(
                                    c.getName(),
                                    c.getLastState().getTerminated().getExitCode());
                            if (c.getLastState().getTerminated().getReason() != null) {
                                lastReasons.put(
                                        c.getName(),
                                        c.getLastState().getTerminated().getReason());
                            }
                        }
                    }
                }
                return java.util.Optional.of(new dev.aftershock.fault.ClusterOps.PodStatusNow(
                        ClusterReader.ready(pod), restarts, ids, lastExits, lastReasons));
            }
        }
        return java.util.Optional.empty();
    }

    /**
     * Each pod version is turned into a view once: a kill reads the namespace's pods, and most have
     * not changed (this runs on the injection's path, so it is kept to a lookup and a compare).
     */
    private ClusterSnapshot.PodView view(V1Pod pod) {
        String uid = pod.getMetadata().getUid();
        ClusterSnapshot.PodView cached = views.get(uid);
        if (cached != null
                && Objects.equals(cached.resourceVersion(), pod.getMetadata().getResourceVersion())) {
            return cached;
        }
        if (views.size() > 100_000) {
            views.clear();
        }
        ClusterSnapshot.PodView view = ClusterReader.pod(pod);
        views.put(uid, view);
        return view;
    }

    /** The pod as the namespace's watch last saw it, when that is the pod with this uid. */
    java.util.Optional<V1Pod> watchedPod(String namespace, String name, String uid) {
        SharedIndexInformer<V1Pod> informer = informers.podsIfWatched(namespace).orElse(null);
        if (informer == null || !informer.hasSynced()) {
            return java.util.Optional.empty();
        }
        V1Pod pod = informer.getIndexer().getByKey(namespace + "/" + name);
        if (pod == null
                || pod.getSpec() == null
                || !uid.equals(pod.getMetadata().getUid())) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(pod);
    }

    private SharedIndexInformer<V1Node> nodeInformer() {
        return listedOnce(informers.nodes());
    }

    private SharedIndexInformer<V1Pod> podInformer(String namespace) {
        return listedOnce(informers.pods(namespace));
    }

    /**
     * The first read of each waits for its watch to list; not listed within the limit (no permission
     * to watch, say), reads go to the API server until it has.
     */
    private <T extends io.kubernetes.client.common.KubernetesObject> SharedIndexInformer<T> listedOnce(
            SharedIndexInformer<T> informer) {
        if (awaited.add(informer)) {
            try {
                Awaiting.listed(List.of(informer), Awaiting.LIST_LIMIT);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return informer;
    }
}
