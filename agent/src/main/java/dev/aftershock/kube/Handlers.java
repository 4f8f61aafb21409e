package dev.aftershock.kube;

import io.kubernetes.client.common.KubernetesObject;
import io.kubernetes.client.informer.ResourceEventHandler;
import io.kubernetes.client.informer.cache.Indexer;
import java.util.ArrayList;
import java.util.List;

/**
 * Every reader's handler of one shared informer, as the informer's one handler, registered before
 * it starts. client-java starts a handler added while its informer is starting only if the handler
 * comes before the informer's processor runs, or after: one that lands in between is never started
 * and hears nothing (a run's timeline once heard none of its pods that way). Readers are added here
 * instead, at any time: each first hears every object the informer holds, then every change.
 */
final class Handlers<T extends KubernetesObject> implements ResourceEventHandler<T> {
    private final List<ResourceEventHandler<T>> handlers = new ArrayList<>();
    private Indexer<T> indexer;

    /** The informer's store, for what a reader added later is told first. */
    synchronized void of(Indexer<T> indexer) {
        this.indexer = indexer;
    }

    /**
     * Told every object the informer holds, then every change after. An object that changes at that
     * moment may be told twice (added, then updated): readers keep the latest state, so that is harmless.
     */
    synchronized void add(ResourceEventHandler<T> handler) {
        if (indexer != null) {
            indexer.list().forEach(o -> each(handler, h -> h.onAdd(o)));
        }
        handlers.add(handler);
    }

    @Override
    public synchronized void onAdd(T object) {
        handlers.forEach(h -> each(h, x -> x.onAdd(object)));
    }

    @Override
    public synchronized void onUpdate(T before, T object) {
        handlers.forEach(h -> each(h, x -> x.onUpdate(before, object)));
    }

    @Override
    public synchronized void onDelete(T object, boolean finalStateUnknown) {
        handlers.forEach(h -> each(h, x -> x.onDelete(object, finalStateUnknown)));
    }

    /** One reader's failure is its own: the others are still told. */
    private void each(ResourceEventHandler<T> handler, java.util.function.Consumer<ResourceEventHandler<T>> call) {
        try {
            call.accept(handler);
        } catch (RuntimeException e) {
            org.slf4j.LoggerFactory.getLogger(Handlers.class).warn("a watch reader failed: {}", e.toString());
        }
    }
}
