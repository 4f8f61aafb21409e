package dev.aftershock.kube;

import io.kubernetes.client.informer.ResourceEventHandler;
import io.kubernetes.client.informer.SharedIndexInformer;
import io.kubernetes.client.informer.SharedInformerFactory;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.apis.DiscoveryV1Api;
import io.kubernetes.client.openapi.models.V1Endpoint;
import io.kubernetes.client.openapi.models.V1EndpointSlice;
import io.kubernetes.client.openapi.models.V1EndpointSliceList;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Which pods a namespace's Services send traffic to, from its EndpointSlices: a pod is in rotation
 * while some slice lists it as ready (the EndpointSlice controller marks a terminating pod's endpoint
 * not ready, then removes it). Kept by an informer, which hands on each pod's way in or out.
 */
final class Rotation {
    /** A pod came into some Service's rotation, or left the last one. */
    record Change(String uid, boolean inRotation) {}

    /** Per slice of the one namespace, by name: the uids of the pods it lists as ready. */
    private final Map<String, Set<String>> readyBySlice = new HashMap<>();

    /**
     * An informer on {@code factory} (not started) over the namespace's EndpointSlices; each change
     * of who is in rotation goes to {@code changes}, on the informer's thread, in order.
     */
    static SharedIndexInformer<V1EndpointSlice> watch(
            SharedInformerFactory factory, ApiClient watchClient, String namespace, Consumer<List<Change>> changes) {
        DiscoveryV1Api discovery = new DiscoveryV1Api(watchClient);
        SharedIndexInformer<V1EndpointSlice> informer = factory.sharedIndexInformerFor(
                p -> discovery
                        .listNamespacedEndpointSlice(namespace)
                        .resourceVersion(p.resourceVersion)
                        .timeoutSeconds(p.timeoutSeconds)
                        .watch(p.watch)
                        .buildCall(null),
                V1EndpointSlice.class,
                V1EndpointSliceList.class);
        Rotation rotation = new Rotation();
        informer.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(V1EndpointSlice slice) {
                changes.accept(rotation.update(slice, readyPods(slice)));
            }

            @Override
            public void onUpdate(V1EndpointSlice before, V1EndpointSlice slice) {
                changes.accept(rotation.update(slice, readyPods(slice)));
            }

            @Override
            public void onDelete(V1EndpointSlice slice, boolean finalStateUnknown) {
                changes.accept(rotation.update(slice, Set.of()));
            }
        });
        return informer;
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

    private synchronized List<Change> update(V1EndpointSlice slice, Set<String> ready) {
        Set<String> before = inRotation();
        readyBySlice.put(slice.getMetadata().getName(), ready);
        Set<String> after = inRotation();
        List<Change> changes = new ArrayList<>();
        before.stream().filter(uid -> !after.contains(uid)).forEach(uid -> changes.add(new Change(uid, false)));
        after.stream().filter(uid -> !before.contains(uid)).forEach(uid -> changes.add(new Change(uid, true)));
        return changes;
    }

    private Set<String> inRotation() {
        Set<String> all = new HashSet<>();
        readyBySlice.values().forEach(all::addAll);
        return all;
    }
}
