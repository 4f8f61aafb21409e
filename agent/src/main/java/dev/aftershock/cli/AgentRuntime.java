package dev.aftershock.cli;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.WorkerExecutor;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionException;

/**
 * The agent's Vert.x instance. Blocking work (files, the Kubernetes client) runs on one named
 * worker pool, never on an event loop; unordered, so blocking calls do not queue behind each other.
 */
public final class AgentRuntime implements AutoCloseable {
    public static final String BLOCKING_POOL = "aftershock-blocking";
    private static final int BLOCKING_POOL_SIZE = 8;

    private final Vertx vertx;
    private final WorkerExecutor blocking;

    public AgentRuntime() {
        this.vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));
        this.blocking = vertx.createSharedWorkerExecutor(BLOCKING_POOL, BLOCKING_POOL_SIZE);
    }

    public Vertx vertx() {
        return vertx;
    }

    /** The named worker pool, for servers that hand blocking work to it from an event loop. */
    public WorkerExecutor blockingPool() {
        return blocking;
    }

    /** Runs {@code work} on the blocking pool and waits for it (for callers outside Vert.x: the CLI thread). */
    public <T> T blocking(Callable<T> work) {
        try {
            return blocking.executeBlocking(work, false)
                    .toCompletionStage()
                    .toCompletableFuture()
                    .join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw e;
        }
    }

    @Override
    public void close() {
        blocking.close();
        vertx.close().toCompletionStage().toCompletableFuture().join();
    }
}
