package dev.aftershock.metrics;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.util.concurrent.TimeUnit;

/**
 * Serves {@code GET /metrics} on the given port (all interfaces: Prometheus may scrape from another
 * host), on the agent's own Vert.x instance.
 */
public final class MetricsServer implements AutoCloseable {
    private final HttpServer server;

    private MetricsServer(HttpServer server) {
        this.server = server;
    }

    public static MetricsServer start(Vertx vertx, AgentMetrics metrics, String host, int port) throws Exception {
        HttpServer server = vertx.createHttpServer()
                .requestHandler(request -> {
                    if (request.path().equals("/metrics")) {
                        request.response()
                                .putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
                                .end(metrics.scrape());
                    } else {
                        request.response().setStatusCode(404).end("see /metrics\n");
                    }
                })
                .listen(port, host)
                .toCompletionStage()
                .toCompletableFuture()
                .get(10, TimeUnit.SECONDS);
        return new MetricsServer(server);
    }

    public int port() {
        return server.actualPort();
    }

    @Override
    public void close() {
        try {
            server.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            // The run is over; a slow close of the metrics endpoint changes nothing in the cluster.
        }
    }
}
