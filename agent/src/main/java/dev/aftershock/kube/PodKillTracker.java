package dev.aftershock.kube;

import dev.aftershock.fault.ClusterOps;
import dev.aftershock.selection.LabelSelector;
import io.kubernetes.client.informer.ResourceEventHandler;
import io.kubernetes.client.informer.SharedIndexInformer;
import io.kubernetes.client.openapi.models.V1Pod;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Reads the namespace's shared pod watch for a pod-kill fault's pods: when each killed pod is gone
 * (its containers stopped and the kubelet let it go), and when each new pod becomes Ready. Each kill
 * claims the first replacement created after it that no earlier kill claimed, so two hundred kills
 * cost no watch and no list of their own.
 */
public final class PodKillTracker implements ClusterOps.KillWatch {
    private record Ready(String uid, Instant created, Instant ready) {}

    private final LabelSelector selector;
    private final List<Ready> ready = new ArrayList<>();
    private final Set<String> claimed = new HashSet<>();
    private final Set<String> existing = new HashSet<>();
    private final Map<String, Instant> gone = new HashMap<>();
    private volatile boolean closed;
    private final SharedIndexInformer<V1Pod> informer;

    @Override
    public boolean listed() {
        return informer.hasSynced();
    }

    /**
     * Waits (up to 10 s) for the watch to have listed, so that only pods created later count as
     * replacements (a claim also takes only pods created after its kill).
     */
    public PodKillTracker(SharedInformers informers, String namespace, Map<String, String> selector)
            throws InterruptedException {
        this.selector = LabelSelector.of(selector);
        SharedIndexInformer<V1Pod> pods = informers.pods(namespace);
        this.informer = pods;
        Awaiting.listed(List.of(pods), Awaiting.LIST_LIMIT);
        synchronized (this) {
            pods.getIndexer().list().forEach(p -> existing.add(p.getMetadata().getUid()));
        }
        informers.onPods(namespace, new ResourceEventHandler<>() {
            @Override
            public void onAdd(V1Pod pod) {
                observe(pod, Instant.now());
            }

            @Override
            public void onUpdate(V1Pod before, V1Pod pod) {
                observe(pod, Instant.now());
            }

            @Override
            public void onDelete(V1Pod pod, boolean finalStateUnknown) {
                // Gone while the watch was away (seen at the relist): when is unknown, so no time is given.
                if (!finalStateUnknown) {
                    observeGone(pod, Instant.now());
                }
            }
        });
    }

    private boolean selected(V1Pod pod) {
        Map<String, String> labels = pod.getMetadata().getLabels();
        return selector.matches(labels == null ? Map.of() : labels);
    }

    private synchronized void observe(V1Pod pod, Instant seen) {
        String uid = pod.getMetadata().getUid();
        if (closed
                || !selected(pod)
                || existing.contains(uid)
                || pod.getMetadata().getDeletionTimestamp() != null
                || !ClusterReader.ready(pod)) {
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
        if (closed) {
            return;
        }
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
        synchronized (this) {
            notifyAll();
        }
    }
}
