package dev.aftershock.kube;

import com.google.gson.reflect.TypeToken;
import dev.aftershock.fault.ClusterOps;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.util.Watch;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * One watch per pod-kill fault over the selector's pods: when each killed pod is gone (its containers
 * stopped and the kubelet let it go), and when each new pod becomes Ready. Each kill claims the first
 * replacement created after it that no earlier kill claimed, so two hundred kills cost one watch, not
 * two hundred lists.
 */
public final class PodKillTracker implements ClusterOps.KillWatch {
    private record Ready(String uid, Instant created, Instant ready) {}

    private final List<Ready> ready = new ArrayList<>();
    private final Set<String> claimed = new HashSet<>();
    private final Set<String> existing = new HashSet<>();
    private final Map<String, Instant> gone = new HashMap<>();
    private final Thread watcher;
    private volatile boolean closed;

    /** Lists the pods there are now before returning, so that only pods created later count as replacements. */
    public PodKillTracker(ApiClient watchClient, String namespace, Map<String, String> selector) throws ApiException {
        String labels = selector.entrySet().stream()
                .map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining(","));
        CoreV1Api core = new CoreV1Api(watchClient);
        var initial = core.listNamespacedPod(namespace).labelSelector(labels).execute();
        initial.getItems().forEach(p -> existing.add(p.getMetadata().getUid()));
        String listedAt = initial.getMetadata().getResourceVersion();
        this.watcher = Thread.ofVirtual()
                .name("aftershock-replacements-" + namespace)
                .start(() -> {
                    String resourceVersion = listedAt;
                    while (!closed) {
                        try {
                            if (resourceVersion == null) {
                                // After a failed watch: list again; pods seen now but not before are replacements.
                                var list = core.listNamespacedPod(namespace)
                                        .labelSelector(labels)
                                        .execute();
                                Instant now = Instant.now();
                                list.getItems().forEach(p -> observe(p, now));
                                resourceVersion = list.getMetadata().getResourceVersion();
                            }
                            var call = core.listNamespacedPod(namespace)
                                    .labelSelector(labels)
                                    .watch(true)
                                    .resourceVersion(resourceVersion)
                                    .timeoutSeconds(290)
                                    .buildCall(null);
                            try (Watch<V1Pod> watch = Watch.createWatch(
                                    watchClient, call, new TypeToken<Watch.Response<V1Pod>>() {}.getType())) {
                                for (Watch.Response<V1Pod> event : watch) {
                                    if (closed) {
                                        return;
                                    }
                                    if (event.object != null && event.object.getMetadata() != null) {
                                        resourceVersion =
                                                event.object.getMetadata().getResourceVersion();
                                        if ("DELETED".equals(event.type)) {
                                            observeGone(event.object, Instant.now());
                                        } else {
                                            observe(event.object, Instant.now());
                                        }
                                    }
                                }
                            }
                        } catch (Exception e) {
                            // The watch ended or failed (410 Gone): list again and go on, unless closed.
                            resourceVersion = null;
                            sleepQuietly();
                        }
                    }
                });
    }

    private synchronized void observe(V1Pod pod, Instant seen) {
        String uid = pod.getMetadata().getUid();
        if (existing.contains(uid) || pod.getMetadata().getDeletionTimestamp() != null || !ClusterReader.ready(pod)) {
            return;
        }
        if (ready.stream().noneMatch(r -> r.uid().equals(uid))) {
            Instant created = pod.getMetadata().getCreationTimestamp() == null
                    ? seen
                    : pod.getMetadata().getCreationTimestamp().toInstant();
            ready.add(new Ready(uid, created, seen));
            notifyAll();
        }
    }

    private synchronized void observeGone(V1Pod pod, Instant seen) {
        gone.putIfAbsent(pod.getMetadata().getUid(), seen);
        notifyAll();
    }

    /**
     * When the pod with this uid was gone, waiting for it until the deadline. A pod that went while
     * the watch was being re-established is missed (empty), never given a wrong time.
     */
    public synchronized Optional<Instant> awaitGone(String uid, Instant deadline) throws InterruptedException {
        return Awaiting.onMonitor(this, () -> Optional.ofNullable(gone.get(uid)), deadline, () -> closed);
    }

    /**
     * When the replacement for a kill at {@code killedAt} became Ready: the first new pod, created
     * no earlier than a second before the kill (timestamps have second precision), not yet claimed.
     */
    public synchronized Optional<Instant> claim(Instant killedAt, Instant deadline) throws InterruptedException {
        return Awaiting.onMonitor(
                this,
                () -> ready.stream()
                        .filter(r -> !claimed.contains(r.uid()) && !r.created().isBefore(killedAt.minusSeconds(1)))
                        .findFirst()
                        .map(r -> {
                            claimed.add(r.uid());
                            return r.ready();
                        }),
                deadline,
                () -> closed);
    }

    @Override
    public void close() {
        closed = true;
        watcher.interrupt();
        synchronized (this) {
            notifyAll();
        }
    }

    private static void sleepQuietly() {
        try {
            Thread.sleep(500);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
