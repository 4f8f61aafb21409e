package dev.aftershock.kube;

import io.kubernetes.client.informer.SharedIndexInformer;
import io.kubernetes.client.informer.SharedInformerFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** The waits the watch-backed trackers share: for what a watch will report, and for informers to list. */
final class Awaiting {
    /** How long a reader of a shared watch waits for its first list before going on without it. */
    static final Duration LIST_LIMIT = Duration.ofSeconds(10);

    private Awaiting() {}

    /**
     * Waits on {@code monitor}, whose lock the caller holds and which is notified when something is
     * seen, until {@code found} has a value; empty at the deadline or once {@code closed} holds.
     */
    static <T> Optional<T> onMonitor(
            Object monitor, Supplier<Optional<T>> found, Instant deadline, BooleanSupplier closed)
            throws InterruptedException {
        while (true) {
            Optional<T> value = found.get();
            if (value.isPresent()) {
                return value;
            }
            long wait = deadline.toEpochMilli() - System.currentTimeMillis();
            if (wait <= 0 || closed.getAsBoolean()) {
                return Optional.empty();
            }
            monitor.wait(Math.min(wait, 1000));
        }
    }

    /** Starts the factory's informers and waits (up to the limit) until each has listed once. */
    static boolean started(
            SharedInformerFactory factory, Collection<? extends SharedIndexInformer<?>> informers, Duration limit)
            throws InterruptedException {
        factory.startAllRegisteredInformers();
        return listed(informers, limit);
    }

    /** Waits (up to the limit) until each informer has listed once; false if one has not. */
    static boolean listed(Collection<? extends SharedIndexInformer<?>> informers, Duration limit)
            throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (informers.stream().anyMatch(i -> !i.hasSynced())) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(20);
        }
        return true;
    }

    /** Threads for a SharedInformerFactory: daemons, so a watch never keeps the JVM alive after a run. */
    static ExecutorService informerThreads(String name) {
        return Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
    }
}
