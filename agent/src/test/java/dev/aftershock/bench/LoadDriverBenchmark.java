package dev.aftershock.bench;

import dev.aftershock.load.GatlingLoadDriver;
import dev.aftershock.model.Arrival;
import dev.aftershock.model.LoadProfile;
import dev.aftershock.validation.RepositoryPaths;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Requests per second the agent's Gatling run achieves against the target service on loopback,
 * against the same simulation run standalone (Gatling alone, no outcome streamed to anyone) right
 * beside it: the two alternate, round after round, against one target process. Target: ratio >= 0.95.
 * Run: scripts/bench load [rate] [seconds] [rounds]
 */
public final class LoadDriverBenchmark {
    private static final Pattern GATLING_OK =
            Pattern.compile("> Global\\s+\\|\\s+([\\d,]+)\\s+\\|\\s+([\\d,]+)\\s+\\|\\s+([\\d,]+)");

    private LoadDriverBenchmark() {}

    public static void main(String[] args) throws Exception {
        double rate = args.length > 0 ? Double.parseDouble(args[0]) : 1500;
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        Path root = RepositoryPaths.root();
        Path driver = root.resolve("load/driver/target/aftershock-load-driver.jar");
        Path work = Files.createTempDirectory("aftershock-load-bench");
        try (LoopbackTarget target = LoopbackTarget.start(root, work.resolve("target.log"))) {
            URI url = target.work();
            LoadProfile warmUp = profile(url, rate / 2, 8);
            LoadProfile measured = profile(url, rate, seconds);
            System.out.printf(Locale.ROOT, "warming the target up: %.0f rps for 8 s%n", rate / 2);
            viaAgent(driver, warmUp, url, work.resolve("warm-up"));
            double[] agent = new double[rounds];
            double[] standalone = new double[rounds];
            for (int i = 0; i < rounds; i++) {
                agent[i] = viaAgent(driver, measured, url, work.resolve("agent-" + i)) / (double) seconds;
                standalone[i] = standalone(driver, measured, url, work.resolve("standalone-" + i)) / (double) seconds;
                System.out.printf(
                        Locale.ROOT,
                        "round %d: agent %.1f ok rps, standalone %.1f ok rps%n",
                        i + 1,
                        agent[i],
                        standalone[i]);
            }
            double a = Stats.median(agent);
            double b = Stats.median(standalone);
            System.out.printf(
                    Locale.ROOT,
                    "offered %.0f rps for %d s, %d rounds: agent median %.1f ok rps, standalone median %.1f ok rps%n",
                    rate,
                    seconds,
                    rounds,
                    a,
                    b);
            System.out.printf(Locale.ROOT, "ratio agent/standalone: %.3f (target >= 0.95)%n", a / b);
        }
    }

    private static LoadProfile profile(URI url, double rate, int seconds) {
        return new LoadProfile(
                url,
                "GET",
                Map.of(),
                Optional.empty(),
                Duration.ofSeconds(2),
                List.of(new Arrival.Hold(rate, Duration.ofSeconds(seconds))));
    }

    /** The agent's path: the driver streams every outcome back; counts the successful ones. */
    private static long viaAgent(Path driver, LoadProfile profile, URI url, Path dir) throws Exception {
        AtomicLong ok = new AtomicLong();
        GatlingLoadDriver load = new GatlingLoadDriver(driver, dir, dev.aftershock.journal.Redaction.none());
        load.start(
                profile,
                url,
                java.util.Map.of(),
                System.currentTimeMillis(),
                frame -> ok.addAndGet(frame.requests() - frame.failed()));
        if (!load.awaitEnd(profile.totalLength().plusSeconds(60))) {
            throw new IllegalStateException("the agent's load did not end; see " + dir.resolve("gatling.log"));
        }
        load.close();
        return ok.get();
    }

    /** Gatling alone: the same plan and simulation, no outcome socket; its own summary gives the count. */
    private static long standalone(Path driver, LoadProfile profile, URI url, Path dir) throws Exception {
        Files.createDirectories(dir);
        Path plan = dir.resolve("plan.properties");
        var env = GatlingLoadDriver.writePlan(profile, url, java.util.Map.of(), System.currentTimeMillis(), plan);
        Path log = dir.resolve("gatling.log");
        ProcessBuilder builder = new ProcessBuilder(GatlingLoadDriver.command(driver, plan, dir, null))
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        builder.environment().putAll(env);
        Process p = builder.start();
        if (!p.waitFor(profile.totalLength().toSeconds() + 60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("standalone Gatling did not end; see " + log);
        }
        Matcher m = GATLING_OK.matcher(Files.readString(log, StandardCharsets.UTF_8));
        long ok = -1;
        while (m.find()) {
            ok = Long.parseLong(m.group(2).replace(",", "")); // the last progress line is the whole run's
        }
        if (ok < 0) {
            throw new IllegalStateException("no request count in Gatling's summary; see " + log);
        }
        return ok;
    }
}
