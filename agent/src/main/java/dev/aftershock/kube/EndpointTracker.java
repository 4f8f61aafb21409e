package dev.aftershock.kube;

import dev.aftershock.fault.ClusterOps;
import io.kubernetes.client.informer.SharedIndexInformer;
import io.kubernetes.client.informer.SharedInformerFactory;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.models.V1EndpointSlice;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;

/**
 * Which pods a namespace's Services send traffic to (see {@link Rotation}), and when each pod left
 * that rotation: the first moment no slice lists it as ready any more. What a kill costs in traffic
 * depends on how long a dying pod stays in rotation, so a pod-kill measures it.
 */
public final class EndpointTracker implements ClusterOps.RotationWatch {
    private final ExecutorService threads = Awaiting.informerThreads("aftershock-endpoints");
    private final SharedInformerFactory factory;
    private final SharedIndexInformer<V1EndpointSlice> informer;
    /** The pods in rotation now. */
    private final Set<String> inRotation = new HashSet<>();

    /** Per pod: when it last left the rotation (a pod whose readiness flapped before a kill left earlier too). */
    private final Map<String, Instant> leftRotation = new HashMap<>();

    private final Map<String, Instant> enteredRotation = new HashMap<>();

    private volatile boolean closed;

    /** Starts the watch and waits (up to {@code limit}) until it has listed once. */
    public EndpointTracker(ApiClient watchClient, String namespace, Duration limit) throws InterruptedException {
        this.factory = new SharedInformerFactory(watchClient, threads, false);
        this.informer = Rotation.watch(factory, watchClient, namespace, this::changed);
        Awaiting.started(factory, List.of(informer), limit);
    }

    private synchronized void changed(List<Rotation.Change> changes) {
        Instant now = Instant.now();
        for (Rotation.Change c : changes) {
            if (c.inRotation()) {
                inRotation.add(c.uid());
                enteredRotation.put(c.uid(), now);
            } else {
                inRotation.remove(c.uid());
                leftRotation.put(c.uid(), now);
            }
        }
        notifyAll();
    }

    /** Whether the watch has listed the slices once (it goes on trying when it has not: a 403, say). */
    public boolean listed() {
        return informer.hasSynced();
    }

    /** Whether some Service sends traffic to the pod now. */
    public synchronized boolean inRotation(String uid) {
        return inRotation.contains(uid);
    }

    /** When the pod left every Service's rotation at or after {@code since}, waiting for it until the deadline. */
    public synchronized Optional<Instant> awaitLeftRotation(String uid, Instant since, Instant deadline)
            throws InterruptedException {
        return awaitChange(leftRotation, uid, since, deadline);
    }

    @Override
    public synchronized Optional<Instant> awaitInRotation(String uid, Instant since, Instant deadline)
            throws InterruptedException {
        return awaitChange(enteredRotation, uid, since, deadline);
    }

    /** When {@code changes} recorded the pod's change at or after {@code since}; the caller holds the monitor. */
    private Optional<Instant> awaitChange(Map<String, Instant> changes, String uid, Instant since, Instant deadline)
            throws InterruptedException {
        return Awaiting.onMonitor(
                this,
                () -> Optional.ofNullable(changes.get(uid)).filter(at -> !at.isBefore(since)),
                deadline,
                () -> closed);
    }

    @Override
    public void close() {
        closed = true;
        factory.stopAllRegisteredInformers();
        threads.shutdownNow();
        synchronized (this) {
            notifyAll();
        }
    }
}
