package dev.aftershock.kube;

import dev.aftershock.fault.ClusterOps;
import io.kubernetes.client.informer.ResourceEventHandler;
import io.kubernetes.client.informer.SharedIndexInformer;
import io.kubernetes.client.informer.SharedInformerFactory;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.apis.DiscoveryV1Api;
import io.kubernetes.client.openapi.models.V1Endpoint;
import io.kubernetes.client.openapi.models.V1EndpointSlice;
import io.kubernetes.client.openapi.models.V1EndpointSliceList;
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
 * Which pods a namespace's Services send traffic to, from its EndpointSlices, and when each pod left
 * that rotation: the first moment no slice lists it as ready any more (the EndpointSlice controller
 * marks a terminating pod's endpoint not ready, then removes it). What a kill costs in traffic
 * depends on how long a dying pod stays in rotation, so a pod-kill measures it.
 */
public final class EndpointTracker implements ClusterOps.RotationWatch {
    private final ExecutorService threads = Awaiting.informerThreads("aftershock-endpoints");
    private final SharedInformerFactory factory;
    private final SharedIndexInformer<V1EndpointSlice> informer;
    /** Per slice of the one namespace, by name: the uids of the pods it lists as ready. */
    private final Map<String, Set<String>> readyBySlice = new HashMap<>();

    /** Per pod: when it last left the rotation (a pod whose readiness flapped before a kill left earlier too). */
    private final Map<String, Instant> leftRotation = new HashMap<>();

    private final Map<String, Instant> enteredRotation = new HashMap<>();

    private volatile boolean closed;

    /** Starts the watch and waits (up to {@code limit}) until it has listed once. */
    public EndpointTracker(ApiClient watchClient, String namespace, Duration limit) throws InterruptedException {
        DiscoveryV1Api discovery = new DiscoveryV1Api(watchClient);
        this.factory = new SharedInformerFactory(watchClient, threads, false);
        this.informer = factory.sharedIndexInformerFor(
                p -> discovery
                        .listNamespacedEndpointSlice(namespace)
                        .resourceVersion(p.resourceVersion)
                        .timeoutSeconds(p.timeoutSeconds)
                        .watch(p.watch)
                        .buildCall(null),
                V1EndpointSlice.class,
                V1EndpointSliceList.class);
        informer.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(V1EndpointSlice slice) {
                update(slice, readyPods(slice));
            }

            @Override
            public void onUpdate(V1EndpointSlice before, V1EndpointSlice slice) {
                update(slice, readyPods(slice));
            }

            @Override
            public void onDelete(V1EndpointSlice slice, boolean finalStateUnknown) {
                update(slice, Set.of());
            }
        });
        Awaiting.started(factory, List.of(informer), limit);
    }

    private static Set<String> readyPods(V1EndpointSlice slice) {
        Set<String> uids = new HashSet<>();
        for (V1Endpoint e : slice.getEndpoints() == null ? List.<V1Endpoint>of() : slice.getEndpoints()) {
            // A missing ready condition means ready (the API's documented default).
            boolean ready = e.getConditions() == null
                    || e.getConditions().getReady() == null
                    || e.getConditions().getReady();
            if (ready
                    && e.getTargetRef() != null
                    && "Pod".equals(e.getTargetRef().getKind())) {
                uids.add(e.getTargetRef().getUid());
            }
        }
        return uids;
    }

    private synchronized void update(V1EndpointSlice slice, Set<String> ready) {
        Set<String> before = inRotation();
        readyBySlice.put(slice.getMetadata().getName(), ready);
        Set<String> after = inRotation();
        Instant now = Instant.now();
        before.stream().filter(uid -> !after.contains(uid)).forEach(uid -> leftRotation.put(uid, now));
        after.stream().filter(uid -> !before.contains(uid)).forEach(uid -> enteredRotation.put(uid, now));
        notifyAll();
    }

    private Set<String> inRotation() {
        Set<String> all = new HashSet<>();
        readyBySlice.values().forEach(all::addAll);
        return all;
    }

    /** Whether the watch has listed the slices once (it goes on trying when it has not: a 403, say). */
    public boolean listed() {
        return informer.hasSynced();
    }

    /** Whether some Service sends traffic to the pod now. */
    public synchronized boolean inRotation(String uid) {
        return readyBySlice.values().stream().anyMatch(s -> s.contains(uid));
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
