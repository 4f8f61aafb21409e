package dev.aftershock.kube;

import io.kubernetes.client.common.KubernetesObject;
import io.kubernetes.client.informer.ResourceEventHandler;
import io.kubernetes.client.informer.SharedIndexInformer;
import io.kubernetes.client.informer.SharedInformerFactory;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.models.V1Node;
import io.kubernetes.client.openapi.models.V1Pod;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;

/**
 * One watch per kind a run reads more than once: every node, and every pod of a namespace. The
 * guards, the cluster timeline and the pod-kill tracker all read these instead of opening watches
 * of their own: each pod event of a namespace is decoded once, not once per reader, which on a
 * small machine is what a kill's API call competes with. Readers add their own event handlers
 * through {@link Handlers} (told every object heard so far, then every change), filter what they want
 * (a label selector, a pod uid), and ignore events once they are closed: client-java cannot remove
 * a handler. Each informer starts on first use and resumes and relists on its own.
 */
public final class SharedInformers implements AutoCloseable {
    private final ApiClient watchClient;
    private final ExecutorService threads = Awaiting.informerThreads("aftershock-informers");
    private final List<SharedInformerFactory> factories = new CopyOnWriteArrayList<>();
    private final Map<String, SharedIndexInformer<V1Pod>> pods = new ConcurrentHashMap<>();
    private SharedIndexInformer<V1Node> nodes;
    /** Each informer's readers (see {@link Handlers}: never add a handler to the informer itself). */
    private final Map<SharedIndexInformer<?>, Handlers<?>> handlers = new ConcurrentHashMap<>();

    /** {@code watchClient} must have no read timeout (see {@link KubeClients#forWatches}). */
    public SharedInformers(ApiClient watchClient) {
        this.watchClient = watchClient;
    }

    ApiClient watchClient() {
        return watchClient;
    }

    /** Every node, started by the first call (it may not have listed yet: see {@link Awaiting#listed}). */
    synchronized SharedIndexInformer<V1Node> nodes() {
        if (nodes == null) {
            nodes = start(PagedListerWatcher.nodes(watchClient), V1Node.class);
        }
        return nodes;
    }

    /** Every pod of the namespace, started by the first call for it. */
    SharedIndexInformer<V1Pod> pods(String namespace) {
        return pods.computeIfAbsent(namespace, ns -> start(PagedListerWatcher.pods(watchClient, ns), V1Pod.class));
    }

    /** Adds a reader of every node: told each node there is, then every change. */
    void onNodes(ResourceEventHandler<V1Node> handler) {
        handlers(nodes()).add(handler);
    }

    /** Adds a reader of the namespace's pods: told each pod there is, then every change. */
    void onPods(String namespace, ResourceEventHandler<V1Pod> handler) {
        handlers(pods(namespace)).add(handler);
    }

    /**
     * Waits (up to the limit) until the readers of these watches have been told every object their
     * stores held once listed (see {@link Handlers#toldAll}); informers not shared here are passed
     * over. False if one has not.
     */
    boolean toldAll(java.util.Collection<? extends SharedIndexInformer<?>> informers, java.time.Duration limit)
            throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        for (SharedIndexInformer<?> informer : informers) {
            Handlers<?> readers = handlers.get(informer);
            if (readers == null) {
                continue;
            }
            java.util.function.Supplier<java.util.Collection<String>> listed =
                    () -> informer.getIndexer().list().stream()
                            .map(o -> Handlers.key((KubernetesObject) o))
                            .toList();
            while (!readers.toldAll(listed)) {
                if (System.nanoTime() > deadline) {
                    return false;
                }
                Thread.sleep(10);
            }
        }
        return true;
    }

    @SuppressWarnings("unchecked")
    private <T extends KubernetesObject> Handlers<T> handlers(SharedIndexInformer<T> informer) {
        return (Handlers<T>) handlers.get(informer);
    }

    /** The namespace's pod watch if one was started (reading it must not start one). */
    java.util.Optional<SharedIndexInformer<V1Pod>> podsIfWatched(String namespace) {
        return java.util.Optional.ofNullable(pods.get(namespace));
    }

    /**
     * A factory each: starting one informer must not restart, or wait for, another. Listed a page at
     * a time and kept light (see {@link PagedListerWatcher}): these are the watches of many objects.
     */
    private <T extends KubernetesObject, L extends io.kubernetes.client.common.KubernetesListObject>
            SharedIndexInformer<T> start(PagedListerWatcher<T, L> lists, Class<T> type) {
        SharedInformerFactory factory = new SharedInformerFactory(watchClient, threads, false);
        SharedIndexInformer<T> informer = factory.sharedIndexInformerFor(lists, type, 0);
        lists.lightenEvents(informer);
        // Its one handler, before it starts: readers join that one whenever they come.
        Handlers<T> readers = new Handlers<>();
        informer.addEventHandler(readers);
        handlers.put(informer, readers);
        factories.add(factory);
        factory.startAllRegisteredInformers();
        return informer;
    }

    @Override
    public void close() {
        factories.forEach(SharedInformerFactory::stopAllRegisteredInformers);
        threads.shutdownNow();
    }
}
