package dev.aftershock.testbed;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Debian's Prometheus (/usr/bin/prometheus, installed by scripts/test), started on loopback for one
 * test class, scraping the given loopback ports every second.
 */
public final class LocalPrometheus implements AutoCloseable {
    private final Process process;
    private final int port;
    private final Path log;

    private LocalPrometheus(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
    }

    /** Starts Prometheus scraping {@code 127.0.0.1:<scrapePort>/metrics}; waits until it is ready. */
    public static LocalPrometheus scraping(int scrapePort, Path dir) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        Path config = dir.resolve("prometheus.yml");
        Files.writeString(config, """
                global: {scrape_interval: 1s, evaluation_interval: 1s}
                scrape_configs:
                  - job_name: aftershock
                    static_configs: [{targets: ['127.0.0.1:%d']}]
                """.formatted(scrapePort));
        int port = LoopbackPorts.free();
        Path log = dir.resolve("prometheus.log");
        Process process = new ProcessBuilder(
                        "/usr/bin/prometheus",
                        "--config.file=" + config,
                        "--storage.tsdb.path=" + dir.resolve("data"),
                        "--web.listen-address=127.0.0.1:" + port)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        LocalPrometheus prometheus = new LocalPrometheus(process, port, log);
        prometheus.awaitReady(Duration.ofSeconds(60));
        return prometheus;
    }

    public URI url() {
        return URI.create("http://127.0.0.1:" + port);
    }

    private void awaitReady(Duration within) {
        await().alias("prometheus ready at " + url())
                .atMost(within)
                .pollInterval(Duration.ofMillis(200))
                .until(() -> {
                    if (!process.isAlive()) {
                        throw new IllegalStateException("prometheus exited: " + Files.readString(log));
                    }
                    return TargetApps.get(url() + "/-/ready", Duration.ofSeconds(1))
                                    .status()
                            == 200;
                });
    }

    @Override
    public void close() {
        process.destroy();
        try {
            process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process.destroyForcibly();
    }
}
