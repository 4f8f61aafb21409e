package dev.aftershock.kube;

import io.kubernetes.client.common.KubernetesObject;
import io.kubernetes.client.informer.ResourceEventHandler;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Every reader's handler of one shared informer, as the informer's one handler, registered before
 * it starts. client-java starts a handler added while its informer is starting only if the handler
 * comes before the informer's processor runs, or after: one that lands in between is never started
 * and hears nothing (a run's timeline once heard none of its pods that way). Readers are added here
 * instead, at any time: each is first told every object as this handler last heard of it, then every
 * change after, so none is missed, repeated or told out of order. Readers are called one after the
 * other, on the informer's thread (a new reader's first tellings on the thread that adds it): they
 * must not block.
 */
final class Handlers<T extends KubernetesObject> implements ResourceEventHandler<T> {
    private final List<ResourceEventHandler<T>> handlers = new ArrayList<>();
    /** Each object as last told, by namespace and name. */
    private final Map<String, T> told = new LinkedHashMap<>();
    /**
     * The keys of the informer's first list not told yet, from the first {@link #toldAll} until all
     * are (null before and after: nothing is kept for a watch nobody waits on, or once it is told).
     */
    private Set<String> awaited;

    private boolean allTold;

    synchronized void add(ResourceEventHandler<T> handler) {
        told.values().forEach(o -> each(handler, h -> h.onAdd(o)));
        handlers.add(handler);
    }

    /**
     * Whether the readers have been told each of these objects (the keys of the informer's store once
     * it had listed). client-java fills its store first and tells its handlers after, on another thread: a
     * watch that has "listed" may not have told a reader of everything yet.
     */
    synchronized boolean toldAll(Supplier<Collection<String>> keys) {
        if (!allTold && awaited == null) {
            // An object the store holds has not been deleted since, so it is either told (and here)
            // or its telling is still queued. The store is read once, and not at all once all is told.
            awaited = new HashSet<>(keys.get());
            awaited.removeAll(told.keySet());
        }
        if (!allTold && awaited.isEmpty()) {
            allTold = true;
            awaited = null;
        }
        return allTold;
    }

    @Override
    public synchronized void onAdd(T object) {
        heard(object);
        told.put(key(object), object);
        handlers.forEach(h -> each(h, x -> x.onAdd(object)));
    }

    @Override
    public synchronized void onUpdate(T before, T object) {
        heard(object);
        told.put(key(object), object);
        handlers.forEach(h -> each(h, x -> x.onUpdate(before, object)));
    }

    @Override
    public synchronized void onDelete(T object, boolean finalStateUnknown) {
        heard(object);
        told.remove(key(object));
        handlers.forEach(h -> each(h, x -> x.onDelete(object, finalStateUnknown)));
    }

    private void heard(T object) {
        if (awaited != null) {
            awaited.remove(key(object));
        }
    }

    static String key(KubernetesObject o) {
        return o.getMetadata().getNamespace() + "/" + o.getMetadata().getName();
    }

    /** One reader's failure is its own: the others are still told. */
    private void each(ResourceEventHandler<T> handler, Consumer<ResourceEventHandler<T>> call) {
        try {
            call.accept(handler);
        } catch (RuntimeException e) {
            org.slf4j.LoggerFactory.getLogger(Handlers.class)
                    .warn("a reader of a shared watch failed: {}", e.toString());
        }
    }
}
