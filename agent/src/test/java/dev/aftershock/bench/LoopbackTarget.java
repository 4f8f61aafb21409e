package dev.aftershock.bench;

import static org.awaitility.Awaitility.await;

import dev.aftershock.testbed.LoopbackPorts;
import dev.aftershock.testbed.TargetApps;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The project's target service as a process on loopback, for the load benchmarks. */
final class LoopbackTarget implements AutoCloseable {
    private final Process process;
    private final int port;

    private LoopbackTarget(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /** Started from its jar and answering /ready; its output goes to {@code log}. */
    static LoopbackTarget start(Path root, Path log) throws Exception {
        int port = LoopbackPorts.free();
        ProcessBuilder command = new ProcessBuilder(
                        ProcessHandle.current().info().command().orElse("java"),
                        "-XX:+UseSerialGC",
                        "-jar",
                        root.resolve("load/target-service/target/aftershock-target.jar")
                                .toString())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        command.environment().putAll(Map.of("PORT", Integer.toString(port), "POD_NAME", "bench"));
        LoopbackTarget target = new LoopbackTarget(command.start(), port);
        String ready = "http://127.0.0.1:" + port + "/ready";
        await().alias("the target answers " + ready)
                .atMost(Duration.ofSeconds(10))
                .until(() -> TargetApps.get(ready, Duration.ofSeconds(1)).status() == 200);
        return target;
    }

    /** The endpoint that answers at once (no CPU work). */
    URI work() {
        return URI.create("http://127.0.0.1:" + port + "/work?cpuMs=0");
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        process.waitFor(10, TimeUnit.SECONDS);
    }
}
