package dev.aftershock.run;

import dev.aftershock.evaluation.AbortMonitor;
import dev.aftershock.evaluation.ArrivalPlan;
import dev.aftershock.evaluation.LoadRecorder;
import dev.aftershock.journal.Format;
import dev.aftershock.journal.Redaction;
import dev.aftershock.load.GatlingLoadDriver;
import dev.aftershock.load.LoadDriver;
import dev.aftershock.metrics.AgentMetrics;
import dev.aftershock.model.AbortCondition;
import dev.aftershock.model.LoadProfile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * The experiment's load, on the run's clock: the Gatling child, its outcomes in per-second buckets,
 * the abort conditions judged on each settled second, and the driver's health. A driver that died,
 * stalled or sent lines the agent cannot read is a load that did not happen: the run says so.
 */
final class LoadSession {
    /** No outcome for this long while the plan asks for traffic: the driver is stalled. */
    static final Duration STALL = Duration.ofSeconds(15);
    /** Fewer requests than the plan promised, by more than this share, is a shortfall. */
    static final double SHORTFALL = 0.10;

    private final LoadProfile profile;
    private final RunRecorder recorder;
    private final AgentMetrics metrics;
    private final LoadRecorder load;
    private final LoadDriver driver;
    private final ArrivalPlan arrivals;
    private final AtomicReference<String> broken = new AtomicReference<>();
    private volatile long lastOutcomeAtMs;
    /** When the first outcome came (-1: none yet): the driver's plan starts after its JVM has booted. */
    private volatile long firstOutcomeAtMs = -1;

    private volatile boolean stopped;

    private LoadSession(
            LoadProfile profile,
            URI url,
            RunRecorder recorder,
            AgentMetrics metrics,
            LoadDriver driver,
            long originMs) {
        this.profile = profile;
        this.recorder = recorder;
        this.metrics = metrics;
        this.driver = driver;
        this.load = new LoadRecorder(originMs, url.toString());
        if (!profile.injectors().inPods()) {
            // Injector pods leave from their own addresses, not this machine's: not known here.
            dev.aftershock.load.SourceAddress.toward(url).ifPresent(load::sourceAddress);
        }
        this.arrivals = new ArrivalPlan(profile.arrivals());
    }

    static LoadSession start(
            LoadProfile profile,
            URI url,
            Map<String, String> headers,
            Redaction redaction,
            Path workDir,
            RunRecorder recorder,
            AgentMetrics metrics) {
        return start(
                profile,
                url,
                headers,
                redaction,
                new GatlingLoadDriver(GatlingLoadDriver.locateDriverJar(), workDir, redaction),
                recorder,
                metrics);
    }

    static LoadSession start(
            LoadProfile profile,
            URI url,
            Map<String, String> headers,
            Redaction redaction,
            LoadDriver driver,
            RunRecorder recorder,
            AgentMetrics metrics) {
        LoadSession session = new LoadSession(
                profile, url, recorder, metrics, driver, recorder.start().toEpochMilli());
        session.begin(url, headers, redaction);
        return session;
    }

    /**
     * A load that takes long to ready (injector pods), readied before the run's clock starts; returns
     * the session and when the load starts (the run's clock starts then: {@link #begin} after it).
     */
    static Prepared prepare(
            LoadProfile profile,
            URI url,
            Map<String, String> headers,
            LoadDriver driver,
            RunRecorder recorder,
            AgentMetrics metrics) {
        java.util.concurrent.atomic.AtomicReference<LoadSession> made =
                new java.util.concurrent.atomic.AtomicReference<>();
        java.util.OptionalLong startsAt;
        try {
            startsAt = driver.prepare(profile, url, headers, frame -> {
                LoadSession session = made.get();
                if (session != null) {
                    session.heard(frame);
                }
            });
        } catch (IOException e) {
            driver.close();
            throw new UncheckedIOException(e.getMessage() + leftBehind(driver), e);
        } catch (RuntimeException e) {
            driver.close();
            throw new IllegalStateException(e.getMessage() + leftBehind(driver), e);
        }
        if (startsAt.isEmpty()) {
            driver.close();
            throw new IllegalStateException("the load driver readies nothing before the run: start it instead");
        }
        LoadSession session = new LoadSession(profile, url, recorder, metrics, driver, startsAt.getAsLong());
        made.set(session);
        return new Prepared(session, java.time.Instant.ofEpochMilli(startsAt.getAsLong()));
    }

    record Prepared(LoadSession session, java.time.Instant startsAt) {}

    private static String leftBehind(LoadDriver driver) {
        return driver.leftBehind()
                .map(left -> "; left behind: " + left + " (run `aftershock recover`)")
                .orElse("");
    }

    /** The load starts (a prepared one: is taken from here on), and the journal says so. */
    void begin(URI url, Map<String, String> headers, Redaction redaction) {
        try {
            driver.start(profile, url, headers, load.runStartMs(), this::heard);
        } catch (IOException e) {
            driver.close();
            throw new UncheckedIOException("cannot start the load driver", e);
        }
        recorder.event(
                "load",
                "started",
                redaction.apply(url.toString()),
                "open model, " + profile.arrivals().size() + " phase(s)"
                        + (profile.injectors().inPods()
                                ? ", " + profile.injectors().count() + " injector pods"
                                : ""));
    }

    private void heard(dev.aftershock.evaluation.LoadFrame frame) {
        if (firstOutcomeAtMs < 0) {
            firstOutcomeAtMs = recorder.now();
        }
        lastOutcomeAtMs = recorder.now();
        load.add(frame);
        metrics.requests(frame);
    }

    LoadRecorder recorder() {
        return load;
    }

    /**
     * Once a second: the second that has settled (every request started in it answered or timed out)
     * goes to the abort monitor; the driver's health is checked; every fifth second, a progress line.
     */
    void watch(
            ScheduledExecutorService clock,
            List<AbortCondition> abort,
            Consumer<AbortMonitor.Trigger> onAbort,
            Consumer<LoadRecorder.Window> progress) {
        AbortMonitor monitor = new AbortMonitor(abort);
        long settle = profile.timeout().toSeconds() + 1;
        clock.scheduleAtFixedRate(
                () -> {
                    checkHealth();
                    long second = recorder.now() / 1000 - settle - 1;
                    if (second < 0 || stopped) {
                        return;
                    }
                    LoadRecorder.Window w = load.window(second, second + 1);
                    monitor.observe(w).ifPresent(onAbort);
                    if (second % 5 == 0) {
                        progress.accept(w);
                    }
                },
                1_000,
                1_000,
                TimeUnit.MILLISECONDS);
    }

    /** A dead or stalled driver, or unreadable outcome lines, while the plan still runs. */
    void checkHealth() {
        if (stopped || broken.get() != null) {
            return;
        }
        long now = recorder.now();
        boolean planRunning = now < arrivals.lengthMs();
        Optional<String> failure = driver.failure();
        if (failure.isPresent()) {
            markBroken(failure.get());
        } else if (driver.unreadableLines() > 0) {
            markBroken("the load driver sent %d line(s) that are not outcomes: its results cannot be trusted"
                    .formatted(driver.unreadableLines()));
        } else if (!driver.alive() && planRunning) {
            markBroken("the load driver exited at %s%s, before its plan ended at %s"
                    .formatted(
                            Format.offset(now),
                            driver.exitCode().isPresent()
                                    ? " with code " + driver.exitCode().getAsInt()
                                    : "",
                            Format.offset(arrivals.lengthMs())));
        } else if (planRunning
                && now - lastOutcomeAtMs > STALL.toMillis() + profile.timeout().toMillis()
                && arrivals.expectedUntil(now - profile.timeout().toMillis()) - arrivals.expectedUntil(lastOutcomeAtMs)
                        >= 5) {
            markBroken("the load driver stalled: no outcome for %s while the plan asked for traffic"
                    .formatted(Format.millis(now - lastOutcomeAtMs)));
        }
    }

    private void markBroken(String why) {
        if (broken.compareAndSet(null, why)) {
            recorder.event("load", "broken", "", why);
        }
    }

    /** Lets the plan finish (normal end) or stops it now (abort, signal). */
    void stop(boolean now) {
        stopped = true;
        try {
            if (!now) {
                // The plan started when the driver's JVM had booted, not with the run: let it finish
                // (at least 5 s, at most a minute past the run's end), then its last requests answer.
                long started = Math.max(0, firstOutcomeAtMs);
                long planEnd = started + arrivals.lengthMs() + profile.timeout().toMillis();
                long waitMs = Math.min(60_000, Math.max(5_000, planEnd - recorder.now()));
                driver.awaitEnd(Duration.ofMillis(waitMs));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (!now && driver.unreadableLines() > 0) {
            markBroken("the load driver sent %d line(s) that are not outcomes".formatted(driver.unreadableLines()));
        }
        if (!now && driver.exitCode().isPresent() && driver.exitCode().getAsInt() != 0) {
            markBroken("the load driver exited with code " + driver.exitCode().getAsInt());
        }
        if (!now) {
            // An injector that died in the plan's last seconds, or sent less than its share, is told here.
            driver.failure().ifPresent(this::markBroken);
        }
        injectors = driver.injectors();
        release();
        recorder.event("load", "stopped", "", load.whole().requests() + " requests");
    }

    private final java.util.concurrent.atomic.AtomicBoolean released = new java.util.concurrent.atomic.AtomicBoolean();

    /**
     * The driver closed (injector pods and their Secret removed), once; what could not be removed is
     * said, for `aftershock recover`.
     */
    Optional<String> release() {
        if (released.getAndSet(true)) {
            return Optional.empty();
        }
        driver.close();
        Optional<String> left = driver.leftBehind().map(l -> l + "; run `aftershock recover` to remove them");
        left.ifPresent(l -> recorder.event("load", "left-behind", "", l));
        return left;
    }

    private volatile List<dev.aftershock.journal.LoadSeries.Injector> injectors = List.of();

    /** Each injector pod's part (none for the agent's own child), once the load has stopped. */
    List<dev.aftershock.journal.LoadSeries.Injector> injectors() {
        return injectors;
    }

    /** Why the load did not happen as planned, if it did not (checked after {@link #stop}). */
    Optional<String> didNotHappen(boolean stoppedEarly) {
        if (broken.get() != null) {
            return Optional.of(broken.get());
        }
        if (stoppedEarly) {
            return Optional.empty();
        }
        double expected = arrivals.expectedRequests();
        long sent = load.whole().requests();
        if (expected >= 10 && sent < expected * (1 - SHORTFALL)) {
            return Optional.of(String.format(
                    Locale.ROOT,
                    "the load fell short: %d requests of the %.0f the arrival plan asked for (%.0f %%)",
                    sent,
                    expected,
                    100.0 * sent / expected));
        }
        return Optional.empty();
    }
}
