package dev.aftershock.kube;

import io.kubernetes.client.informer.ResourceEventHandler;
import io.kubernetes.client.openapi.models.CoreV1Event;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * An Event informer's handler that hears each telling once: an Event added, or repeated (the
 * recorder raises its count instead of making a new one). A deleted Event tells nothing.
 */
final class EventsTold {
    private EventsTold() {}

    /** The namespace's Events the field selector picks, as an informer of that factory (not started). */
    static io.kubernetes.client.informer.SharedIndexInformer<CoreV1Event> informer(
            io.kubernetes.client.informer.SharedInformerFactory factory,
            io.kubernetes.client.openapi.ApiClient client,
            String namespace,
            String fieldSelector) {
        var core = new io.kubernetes.client.openapi.apis.CoreV1Api(client);
        return factory.sharedIndexInformerFor(
                p -> core.listNamespacedEvent(namespace)
                        .fieldSelector(fieldSelector)
                        .resourceVersion(p.resourceVersion)
                        .timeoutSeconds(p.timeoutSeconds)
                        .watch(p.watch)
                        .buildCall(null),
                CoreV1Event.class,
                io.kubernetes.client.openapi.models.CoreV1EventList.class);
    }

    static ResourceEventHandler<CoreV1Event> handler(Consumer<CoreV1Event> told) {
        return new ResourceEventHandler<>() {
            @Override
            public void onAdd(CoreV1Event e) {
                told.accept(e);
            }

            @Override
            public void onUpdate(CoreV1Event before, CoreV1Event e) {
                if (!Objects.equals(before.getCount(), e.getCount())) {
                    told.accept(e);
                }
            }

            @Override
            public void onDelete(CoreV1Event e, boolean finalStateUnknown) {}
        };
    }
}
