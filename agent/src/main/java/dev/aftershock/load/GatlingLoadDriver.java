package dev.aftershock.load;

import dev.aftershock.evaluation.LoadFrame;
import dev.aftershock.journal.Redaction;
import dev.aftershock.model.Arrival;
import dev.aftershock.model.LoadProfile;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * Gatling in a child JVM (its launcher calls System.exit and owns logging, so it cannot run inside
 * the agent): the simulation in load/driver reads a plan file and streams the requests' outcomes,
 * aggregated by second ({@link LoadFrame}), back over a loopback socket this class listens on.
 */
public final class GatlingLoadDriver implements LoadDriver {
    static final String SIMULATION = "dev.aftershock.load.driver.PlanSimulation";

    private final Path driverJar;
    private final Path workDir;
    private ServerSocket server;
    private Process child;
    private final CountDownLatch drained = new CountDownLatch(1);
    private final java.util.concurrent.atomic.AtomicLong unreadable = new java.util.concurrent.atomic.AtomicLong();

    private final Redaction redaction;

    /** {@code redaction}: what must not stay in the files the driver writes (its log). */
    public GatlingLoadDriver(Path driverJar, Path workDir, Redaction redaction) {
        this.driverJar = driverJar;
        this.workDir = workDir;
        this.redaction = redaction;
    }

    /** The driver jar: AFTERSHOCK_LOAD_DRIVER, else load/driver/target next to the agent's build. */
    public static Path locateDriverJar() {
        String configured = System.getenv("AFTERSHOCK_LOAD_DRIVER");
        if (configured != null && !configured.isBlank()) {
            if (!Files.isRegularFile(Path.of(configured))) {
                throw new IllegalStateException(
                        "AFTERSHOCK_LOAD_DRIVER names " + configured + ", which is not a file: the load cannot start");
            }
            return Path.of(configured);
        }
        List<Path> candidates = new ArrayList<>();
        try {
            Path self = Path.of(GatlingLoadDriver.class
                            .getProtectionDomain()
                            .getCodeSource()
                            .getLocation()
                            .toURI())
                    .toAbsolutePath();
            // agent/target/aftershock-agent.jar or agent/target/classes -> the repository root
            for (Path p = self.getParent(); p != null; p = p.getParent()) {
                candidates.add(p.resolve("load/driver/target/aftershock-load-driver.jar"));
            }
        } catch (Exception e) {
            // Fall back to the working directory below.
        }
        candidates.add(Path.of("load/driver/target/aftershock-load-driver.jar").toAbsolutePath());
        return candidates.stream()
                .filter(Files::isRegularFile)
                .findFirst()
                .orElseThrow(
                        () -> new IllegalStateException(
                                "the load driver is not built: run ./mvnw package -pl load/driver, or set AFTERSHOCK_LOAD_DRIVER"));
    }

    @Override
    public void start(
            LoadProfile profile, URI url, Map<String, String> headers, long originMs, Consumer<LoadFrame> outcomes)
            throws IOException {
        Files.createDirectories(workDir);
        Path plan = workDir.resolve("plan.properties");
        Map<String, String> secrets = writePlan(profile, url, headers, originMs, plan);
        server = new ServerSocket();
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        Thread.ofPlatform().daemon().name("aftershock-load-outcomes").start(() -> receive(outcomes));
        ProcessBuilder pb = new ProcessBuilder(command(driverJar, plan, workDir, "127.0.0.1:" + server.getLocalPort()))
                .redirectErrorStream(true);
        pb.environment().putAll(secrets);
        child = pb.start();
        // The child's output reaches its log through the agent, redacted as it is written: never a
        // moment on disk with a secret in it.
        Thread.ofPlatform()
                .daemon()
                .name("aftershock-load-log")
                .start(() -> copyRedacted(child, workDir.resolve("gatling.log")));
    }

    /**
     * The child JVM's command line. Without {@code outcomesTo} the simulation runs standalone, as
     * Gatling alone would: the baseline the rps benchmark compares with.
     */
    public static List<String> command(Path driverJar, Path plan, Path workDir, String outcomesTo) {
        List<String> command = new ArrayList<>(List.of(
                ProcessHandle.current().info().command().orElse("java"),
                "--add-opens=java.base/java.lang=ALL-UNNAMED",
                "--enable-native-access=ALL-UNNAMED",
                "-Xms256m",
                "-XX:+UseParallelGC",
                "-Daftershock.plan=" + plan));
        if (outcomesTo != null) {
            command.add("-Daftershock.outcomes=" + outcomesTo);
        }
        command.addAll(List.of(
                "-cp",
                driverJar.toString(),
                "io.gatling.app.Gatling",
                "-s",
                SIMULATION,
                "-rf",
                workDir.resolve("gatling").toString(),
                "-nr"));
        return command;
    }

    /**
     * Writes the plan the child plays; returns the environment the child needs with it. The URL and
     * header values may carry credentials: they go in that environment, never in the file.
     */
    public static Map<String, String> writePlan(
            LoadProfile profile, URI url, Map<String, String> headers, long originMs, Path file) throws IOException {
        PlanText plan = plan(profile.arrivals(), profile, url, headers, originMs);
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            plan.properties().store(w, "written by the agent for one run");
        }
        return plan.env();
    }

    /** A plan (no secret in it) and the environment that carries its URL and header values. */
    public record PlanText(Properties properties, Map<String, String> env) {
        public String text() {
            java.io.StringWriter w = new java.io.StringWriter();
            try {
                properties.store(w, null);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            return w.toString();
        }
    }

    /** The plan of {@code arrivals} (the profile's, or an injector's share of them). */
    public static PlanText plan(
            List<Arrival> arrivals, LoadProfile profile, URI url, Map<String, String> headers, long originMs) {
        Map<String, String> env = new LinkedHashMap<>();
        Properties p = new Properties();
        p.setProperty("originMs", Long.toString(originMs));
        p.setProperty("urlEnv", "AFTERSHOCK_LOAD_URL");
        env.put("AFTERSHOCK_LOAD_URL", url.toString());
        p.setProperty("method", profile.method());
        p.setProperty("timeoutMs", Long.toString(profile.timeout().toMillis()));
        int i = 0;
        for (Map.Entry<String, String> h : headers.entrySet()) {
            String variable = "AFTERSHOCK_LOAD_HEADER_" + i++;
            p.setProperty("headerEnv." + h.getKey(), variable);
            env.put(variable, h.getValue());
        }
        profile.body().ifPresent(b -> p.setProperty("body", b));
        p.setProperty("servedBy.pod", profile.servedBy().podHeader());
        p.setProperty("servedBy.node", profile.servedBy().nodeHeader());
        p.setProperty("servedBy.client", profile.servedBy().clientHeader());
        p.setProperty(
                "arrivals", arrivals.stream().map(GatlingLoadDriver::phase).collect(Collectors.joining(";")));
        return new PlanText(p, env);
    }

    private static String phase(Arrival a) {
        return switch (a) {
            case Arrival.Ramp r ->
                String.format(
                        Locale.ROOT, "ramp %s %s %d", r.from(), r.to(), r.over().toMillis());
            case Arrival.Hold h ->
                String.format(Locale.ROOT, "hold %s %d", h.rate(), h.holdFor().toMillis());
            case Arrival.Steps s ->
                "steps "
                        + s.rates().stream().map(d -> Double.toString(d)).collect(Collectors.joining(","))
                        + " " + s.each().toMillis();
        };
    }

    private void receive(Consumer<LoadFrame> outcomes) {
        try (Socket s = server.accept();
                BufferedReader in = new BufferedReader(
                        new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII), 1 << 16)) {
            String line;
            while ((line = in.readLine()) != null) {
                if (line.isBlank()) {
                    continue;
                }
                LoadFrame frame;
                try {
                    frame = LoadFrame.parse(line);
                } catch (IllegalArgumentException unreadableLine) {
                    // Counted, not fatal: the run reports the load as broken rather than losing the stream.
                    unreadable.incrementAndGet();
                    continue;
                }
                outcomes.accept(frame);
            }
        } catch (IOException e) {
            // The child ended or was stopped: what arrived is what there is.
        } finally {
            drained.countDown();
        }
    }

    @Override
    public boolean awaitEnd(Duration atMost) throws InterruptedException {
        long deadline = System.nanoTime() + atMost.toNanos();
        boolean exited = child.waitFor(atMost.toMillis(), TimeUnit.MILLISECONDS);
        return exited && drained.await(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    }

    @Override
    public boolean alive() {
        return child != null && child.isAlive();
    }

    @Override
    public java.util.OptionalInt exitCode() {
        return child == null || child.isAlive()
                ? java.util.OptionalInt.empty()
                : java.util.OptionalInt.of(child.exitValue());
    }

    @Override
    public long unreadableLines() {
        return unreadable.get();
    }

    @Override
    public void close() {
        if (child != null && child.isAlive()) {
            child.destroy();
            try {
                if (!child.waitFor(10, TimeUnit.SECONDS)) {
                    child.destroyForcibly();
                }
                drained.await(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try {
            if (server != null) {
                server.close();
            }
        } catch (IOException e) {
            // Closing at the end of the run.
        }
        scrubFiles();
    }

    private void copyRedacted(Process process, Path log) {
        try (BufferedReader in =
                        new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
                Writer out = Files.newBufferedWriter(log, StandardCharsets.UTF_8)) {
            String line;
            while ((line = in.readLine()) != null) {
                out.write(redaction.apply(line));
                out.write('\n');
                out.flush();
            }
        } catch (IOException e) {
            // The child ended, or the log cannot be written: the run goes on, the outcomes come by socket.
        }
    }

    /**
     * Gatling's own results (simulation.log: binary, unused, the outcomes came over the socket) may
     * hold the URL: removed. The child's log was redacted as it was written.
     */
    private void scrubFiles() {
        Path results = workDir.resolve("gatling");
        if (!Files.isDirectory(results)) {
            return;
        }
        try (var walk = Files.walk(results)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // Left for the next run's directory to be told apart: nothing more can be done here.
        }
    }
}
