package dev.aftershock.load;

import dev.aftershock.evaluation.ArrivalPlan;
import dev.aftershock.evaluation.LoadFrame;
import dev.aftershock.journal.Format;
import dev.aftershock.journal.LoadSeries;
import dev.aftershock.journal.Redaction;
import dev.aftershock.model.LoadProfile;
import java.io.IOException;
import java.io.Writer;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * The load played by N injector pods in the cluster, each its share of the arrival plan
 * ({@link InjectorShares}), their outcome frames merged on the run's clock. The pods are made before
 * the run's clock starts and wait, booted, for a start fixed when they were made ({@link #STARTUP}
 * later): the run's clock starts then, so the plan's second 0 is the run's on every injector.
 *
 * <p>The agent follows each pod's output through the API server (it may run outside the cluster, so
 * nothing connects back to it). An injector's heartbeat carries its clock: the least of (the agent's
 * clock when a heartbeat arrives minus the injector's in it) bounds the injector's skew plus the
 * log's delay; a bound of a second or more moves that injector's frames by whole seconds, so they
 * land in the run's second they belong to. An injector silent for {@link #SILENCE} while its plan
 * runs is gone: the run is told which, and what share of the load went with it.
 */
public final class InjectorFleet implements LoadDriver {
    /** From the pods' creation to the load's start: time to schedule, start and boot every injector. */
    public static final Duration STARTUP = Duration.ofSeconds(30);
    /** Every injector must be ready this long before the start, or the run does not start. */
    static final Duration READY_MARGIN = Duration.ofSeconds(5);
    /** An injector that sent nothing, not even a heartbeat, for this long while its plan runs is gone. */
    public static final Duration SILENCE = Duration.ofSeconds(5);
    /** The pods' dead-man switch: their plan's end plus this, and the kubelet stops them. */
    static final Duration AFTER_PLAN = Duration.ofMinutes(2);
    /**
     * Test mode: every request's start and latency kept, in the load directory (requests-N.txt), so
     * a test can check the merged percentiles against the exact ones; set by this environment
     * variable or system property ({@code 1} / {@code true}).
     */
    public static final String RECORD_REQUESTS = "AFTERSHOCK_LOAD_RECORD_REQUESTS";

    public static boolean recordsRequests() {
        return "1".equals(System.getenv(RECORD_REQUESTS)) || Boolean.getBoolean("aftershock.load.recordRequests");
    }

    private final InjectorCluster cluster;
    private final String run;
    private final Map<String, String> nodeSelector;
    private final Set<String> avoidNodes;
    private final Redaction redaction;
    private final Path workDir;
    private final boolean recordRequests;
    private final LongSupplier clock;
    private final List<Injector> injectors = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final AtomicLong unreadable = new AtomicLong();

    private volatile Consumer<LoadFrame> outcomes = frame -> {};
    private volatile boolean closing;
    private long startAtMs;
    private long timeoutMs;
    private ArrivalPlan plan;

    /**
     * {@code avoidNodes}: nodes a fault of the run targets (none when the experiment lets injectors
     * run there); {@code nodeSelector}: where injectors may run at all.
     */
    public InjectorFleet(
            InjectorCluster cluster,
            String run,
            Map<String, String> nodeSelector,
            Set<String> avoidNodes,
            Redaction redaction,
            Path workDir,
            boolean recordRequests,
            LongSupplier clock) {
        this.cluster = cluster;
        this.run = run;
        this.nodeSelector = Map.copyOf(nodeSelector);
        this.avoidNodes = Set.copyOf(avoidNodes);
        this.redaction = redaction;
        this.workDir = workDir;
        this.recordRequests = recordRequests;
        this.clock = clock;
    }

    /** The spec of the run's injector pods (also what the plan-time dry run makes). */
    public static InjectorCluster.Spec spec(
            String run,
            LoadProfile profile,
            URI url,
            Map<String, String> headers,
            Map<String, String> nodeSelector,
            Set<String> avoidNodes,
            long startAtMs,
            boolean recordRequests) {
        int n = profile.injectors().count();
        List<String> plans = new ArrayList<>();
        Map<String, String> env = Map.of();
        for (int i = 0; i < n; i++) {
            GatlingLoadDriver.PlanText text = GatlingLoadDriver.plan(
                    InjectorShares.share(profile.arrivals(), n, i), profile, url, headers, startAtMs);
            text.properties().setProperty("startAtMs", Long.toString(startAtMs));
            text.properties().setProperty("recordRequests", Boolean.toString(recordRequests));
            plans.add(text.text());
            env = text.env();
        }
        Duration lives =
                STARTUP.plus(profile.totalLength()).plus(profile.timeout()).plus(AFTER_PLAN);
        return new InjectorCluster.Spec(
                run,
                plans,
                env,
                url,
                profile.injectors().requests(),
                profile.injectors().limits(),
                nodeSelector,
                avoidNodes,
                lives);
    }

    @Override
    public OptionalLong prepare(LoadProfile profile, URI url, Map<String, String> headers, Consumer<LoadFrame> outcomes)
            throws IOException {
        Files.createDirectories(workDir);
        this.outcomes = outcomes;
        this.plan = new ArrivalPlan(profile.arrivals());
        this.timeoutMs = profile.timeout().toMillis();
        startAtMs = clock.getAsLong() + STARTUP.toMillis();
        int n = profile.injectors().count();
        InjectorCluster.Spec spec =
                spec(run, profile, url, headers, nodeSelector, avoidNodes, startAtMs, recordRequests);
        List<String> pods;
        try {
            pods = cluster.create(spec);
        } catch (Exception e) {
            close();
            throw new IOException("the injector pods could not be made: " + e.getMessage(), e);
        }
        for (int i = 0; i < n; i++) {
            Injector injector =
                    new Injector(i, pods.get(i), new ArrivalPlan(InjectorShares.share(profile.arrivals(), n, i)));
            injectors.add(injector);
            injector.follower = Thread.ofPlatform()
                    .daemon()
                    .name("aftershock-injector-" + i)
                    .start(() -> follow(injector));
        }
        try {
            awaitReady();
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
        return OptionalLong.of(startAtMs);
    }

    /** Every injector booted and waiting for the start, before the start; else why not. */
    private void awaitReady() throws IOException {
        // Decided well before the start: pods told to go then are gone before they would send.
        long until = startAtMs - READY_MARGIN.toMillis();
        for (int look = 0; ; look++) {
            List<Injector> waiting = injectors.stream().filter(i -> !i.ready).toList();
            if (waiting.isEmpty()) {
                // Where each runs, while the pods are there to say (the journal names them after).
                injectors.forEach(i -> i.node = cluster.state(i.pod).node());
                return;
            }
            // The pods' states every 2 s, not every look: with many injectors, calls add up.
            for (Injector i : look % 8 == 0 ? waiting : List.<Injector>of()) {
                InjectorCluster.PodState state = cluster.state(i.pod);
                if (state.gone() || state.ended()) {
                    throw new IOException("injector %d (pod %s) ended before the load started: %s"
                            .formatted(i.index, i.pod, state.why()));
                }
            }
            if (clock.getAsLong() >= until) {
                Injector late = waiting.get(0);
                throw new IOException("injector %d (pod %s) was not ready %d s after it was made: %s"
                        .formatted(
                                late.index,
                                late.pod,
                                STARTUP.minus(READY_MARGIN).toSeconds(),
                                cluster.state(late.pod).why()));
            }
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while the injectors started");
            }
        }
    }

    @Override
    public void start(
            LoadProfile profile, URI url, Map<String, String> headers, long originMs, Consumer<LoadFrame> outcomes) {
        if (plan == null) {
            throw new IllegalStateException("injector pods start in prepare, before the run's clock");
        }
        // Started at the moment prepare fixed: nothing to do but take the frames from here on.
        this.outcomes = outcomes;
    }

    /** Follows one injector's output; a broken stream is followed again (lines seen twice are dropped). */
    private void follow(Injector injector) {
        while (!closing && !injector.ended) {
            try {
                cluster.follow(injector.pod, line -> heard(injector, line));
            } catch (Exception e) {
                injector.log("[aftershock] the log stream broke: " + e.getMessage());
            }
            if (closing || injector.ended) {
                return;
            }
            InjectorCluster.PodState state = cluster.state(injector.pod);
            if (state.gone()) {
                // Nothing more can be read; if it said no end, its silence tells the run.
                return;
            }
            if (state.ended()) {
                // Its stream broke and it has ended since: what it wrote last is still in its log.
                try {
                    cluster.follow(injector.pod, line -> heard(injector, line));
                } catch (Exception e) {
                    injector.log("[aftershock] the log of the ended pod could not be read: " + e.getMessage());
                }
                return;
            }
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** One line of an injector's output: a numbered line of its stream, or Gatling's own (its log). */
    void heard(Injector injector, String line) {
        long now = clock.getAsLong();
        if (!line.startsWith(OUTCOME_PREFIX)) {
            injector.log(line);
            return;
        }
        String rest = line.substring(OUTCOME_PREFIX.length());
        int space = rest.indexOf(' ');
        long sequence;
        try {
            sequence = Long.parseLong(rest.substring(0, Math.max(0, space)));
        } catch (NumberFormatException e) {
            unreadable.incrementAndGet();
            return;
        }
        synchronized (injector) {
            if (sequence <= injector.lastSequence) {
                return;
            }
            if (sequence > injector.lastSequence + 1 && injector.failure == null) {
                // Followed again after a break, its log had rotated: what it sent in between is gone.
                injector.failure = "injector %d (pod %s): %d line(s) of its stream were lost while its log was"
                                .formatted(injector.index, injector.pod, sequence - injector.lastSequence - 1)
                        + " followed again (the log rotated meanwhile): the run's figures miss them";
            }
            injector.lastSequence = sequence;
        }
        injector.lastHeardMs = now;
        String body = rest.substring(space + 1);
        try {
            switch (body.charAt(0)) {
                case 'R' -> injector.ready = true;
                case 'T' ->
                    injector.heartbeat(now, Long.parseLong(body.substring(2).trim()));
                case 'S' -> {
                    LoadFrame frame = injector.placed(LoadFrame.parse(body));
                    outcomes.accept(frame);
                }
                case 'Q' -> injector.request(body.substring(2));
                case 'E' -> {
                    // "E <ms> signalled": a signal stopped it (its last lines flushed); "played": its plan ran out.
                    injector.signalled = body.endsWith(" signalled");
                    injector.endedAtMs = now;
                    injector.ended = true;
                }
                default -> unreadable.incrementAndGet();
            }
        } catch (RuntimeException e) {
            unreadable.incrementAndGet();
        }
    }

    /** The last line number heard from injector {@code index} (tests wait on it). */
    long heardUpTo(int index) {
        Injector i = injectors.get(index);
        synchronized (i) {
            return i.lastSequence;
        }
    }

    /** As the load driver's OutcomeStream prefixes an injector's lines. */
    static final String OUTCOME_PREFIX = "@aftershock ";

    @Override
    public Optional<String> failure() {
        long now = clock.getAsLong();
        for (Injector i : injectors) {
            if (i.failure != null) {
                return Optional.of(i.failure);
            }
        }
        if (plan == null || now < startAtMs) {
            return Optional.empty();
        }
        long planEnd = startAtMs + plan.lengthMs();
        for (Injector i : injectors) {
            // Stopped by a signal the agent did not send before its last requests could answer (its
            // last lines flushed, then gone); or ended
            // before its plan's end short of what its share asked for (a low rate's last request may
            // go out well before the end: that is no early end); or silent.
            boolean endedEarly = i.ended
                    && !closing
                    && ((i.signalled && i.endedAtMs < planEnd + timeoutMs)
                            || (i.endedAtMs < planEnd - 1_000
                                    && i.sent() < i.share.expectedRequests() * (1 - SHORTFALL)));
            boolean silent = !i.ended && now < planEnd && now - i.lastHeardMs > SILENCE.toMillis();
            if (!endedEarly && !silent) {
                continue;
            }
            InjectorCluster.PodState state = cluster.state(i.pod);
            long stoppedAt = Math.max(endedEarly ? i.endedAtMs : i.lastHeardMs, startAtMs) - startAtMs;
            double lost = i.share.expectedRequests() - i.share.expectedUntil(stoppedAt);
            double all = plan.expectedRequests();
            i.failure = String.format(
                    Locale.ROOT,
                    "%s %s at %s (%s): its share of the plan from then on,"
                            + " %.0f of the run's %.0f requests (%.1f %%), was not sent",
                    i.named(),
                    endedEarly ? "ended before its plan did" : "stopped reporting",
                    Format.offset(stoppedAt),
                    state.why(),
                    lost,
                    all,
                    all == 0 ? 0 : 100 * lost / all);
            return Optional.of(i.failure);
        }
        return Optional.empty();
    }

    @Override
    public boolean awaitEnd(Duration atMost) throws InterruptedException {
        // At least until the plan's end, its last requests' timeout and a margin for Gatling's end
        // and the log's delay: an injector still answering its last requests is not one that died.
        long endBy = plan == null ? 0 : startAtMs + plan.lengthMs() + timeoutMs + END_MARGIN.toMillis();
        long waitMs = Math.max(atMost.toMillis(), endBy - clock.getAsLong());
        long until = System.nanoTime() + waitMs * 1_000_000;
        while (System.nanoTime() < until && !injectors.stream().allMatch(i -> i.ended || i.failure != null)) {
            Thread.sleep(100);
        }
        settle();
        return injectors.stream().allMatch(i -> i.ended && i.failure == null);
    }

    /**
     * At the plan's end, each injector on its own: one that did not say it ended (killed in the
     * plan's last seconds, or its stream cut) may have lost its last frames; one that sent well
     * under its share (its Gatling stalled while its heartbeats went on) did not play it. The other
     * injectors' traffic must not hide either.
     */
    private void settle() {
        double all = plan == null ? 0 : plan.expectedRequests();
        for (Injector i : injectors) {
            if (i.failure != null) {
                continue;
            }
            if (!i.ended) {
                i.failure = "%s did not say it ended (%s): its last frames may be missing"
                        .formatted(i.named(), cluster.state(i.pod).why());
                continue;
            }
            double share = i.share.expectedRequests();
            long sent = i.sent();
            if (share >= 10 && sent < share * (1 - SHORTFALL)) {
                i.failure = String.format(
                        Locale.ROOT,
                        "%s sent %d of the %.0f requests of its share (%.0f %% of the run's %.0f): it fell short",
                        i.named(),
                        sent,
                        share,
                        all == 0 ? 0 : 100 * share / all,
                        all);
            }
        }
    }

    /** After the plan's end and its requests' timeout, how long an injector has to say it ended. */
    static final Duration END_MARGIN = Duration.ofSeconds(15);

    /** An injector that sent fewer than this share of its requests fell short (as the run's load does). */
    static final double SHORTFALL = 0.10;

    @Override
    public boolean alive() {
        return !injectors.isEmpty() && !injectors.stream().allMatch(i -> i.ended);
    }

    @Override
    public OptionalInt exitCode() {
        return alive() || injectors.isEmpty() ? OptionalInt.empty() : OptionalInt.of(0);
    }

    @Override
    public long unreadableLines() {
        return unreadable.get();
    }

    @Override
    public List<LoadSeries.Injector> injectors() {
        List<LoadSeries.Injector> out = new ArrayList<>();
        for (Injector i : injectors) {
            out.add(i.record());
        }
        return out;
    }

    /** Ends the load: the pods and their Secret are removed, the streams end with them. */
    @Override
    public void close() {
        closing = true;
        List<String> problems = cluster.remove(run);
        // One deadline for all followers (their streams end with their pods), not 5 s each.
        long until = System.nanoTime() + 5_000_000_000L;
        for (Injector i : injectors) {
            problems.forEach(p -> i.log("[aftershock] " + p));
            if (i.follower != null) {
                try {
                    i.follower.join(Math.max(1, (until - System.nanoTime()) / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                i.follower.interrupt();
            }
            i.closeFiles();
        }
        if (!problems.isEmpty()) {
            removalProblems = String.join("; ", problems);
        }
    }

    private volatile String removalProblems;

    /** What closing could not remove (`aftershock recover` finds it by its labels), or empty. */
    @Override
    public Optional<String> leftBehind() {
        return Optional.ofNullable(removalProblems);
    }

    /** One injector pod, as the agent hears it. */
    final class Injector {
        final int index;
        final String pod;
        final ArrivalPlan share;
        volatile Thread follower;
        volatile boolean ready;
        volatile boolean ended;
        volatile long endedAtMs;
        volatile boolean signalled;
        volatile long lastHeardMs;
        volatile String failure;
        volatile String node = "";
        long lastSequence = -1;
        private Long skewBoundMs;
        private Long shiftSeconds;
        private long requests;
        private final TreeMap<Long, Long> perSecond = new TreeMap<>();
        private Writer log;
        private Writer requestLog;

        Injector(int index, String pod, ArrivalPlan share) {
            this.index = index;
            this.pod = pod;
            this.share = share;
            this.lastHeardMs = clock.getAsLong();
        }

        /** "injector N (pod P on node X)", as every message about it starts. */
        String named() {
            return "injector %d (pod %s%s)".formatted(index, pod, node.isEmpty() ? "" : " on node " + node);
        }

        synchronized long sent() {
            return requests;
        }

        synchronized void heartbeat(long agentMs, long injectorMs) {
            long bound = agentMs - injectorMs;
            skewBoundMs = skewBoundMs == null ? bound : Math.min(skewBoundMs, bound);
        }

        /**
         * The frame on the run's clock: moved by whole seconds when the skew bound (fixed at the first
         * frame, from the heartbeats of its boot) is a second or more; counted for this injector.
         */
        synchronized LoadFrame placed(LoadFrame frame) {
            if (shiftSeconds == null) {
                long bound = skewBoundMs == null ? 0 : skewBoundMs;
                shiftSeconds = Math.abs(bound) < 1_000 ? 0 : Math.round(bound / 1000.0);
            }
            LoadFrame placed = shiftSeconds == 0
                    ? frame
                    : new LoadFrame(
                            frame.second() + shiftSeconds,
                            frame.firstStartMs() + shiftSeconds * 1000,
                            frame.latencies(),
                            frame.errors(),
                            frame.pods(),
                            frame.nodes(),
                            frame.clients());
            requests += placed.requests();
            perSecond.merge(placed.second(), placed.requests(), Long::sum);
            return placed;
        }

        synchronized void request(String startAndLatency) {
            try {
                if (requestLog == null) {
                    requestLog = Files.newBufferedWriter(
                            workDir.resolve("requests-" + index + ".txt"), StandardCharsets.US_ASCII);
                }
                requestLog.write(startAndLatency.trim());
                requestLog.write('\n');
            } catch (IOException e) {
                unreadable.incrementAndGet();
            }
        }

        /** Gatling's own lines, redacted as they are written (the URL may carry a credential). */
        synchronized void log(String line) {
            try {
                if (log == null) {
                    log = Files.newBufferedWriter(
                            workDir.resolve("injector-" + index + ".log"), StandardCharsets.UTF_8);
                }
                log.write(redaction.apply(line));
                log.write('\n');
                log.flush();
            } catch (IOException e) {
                // The log is for people; the outcomes come in the stream's lines.
            }
        }

        synchronized void closeFiles() {
            for (Writer w : new Writer[] {log, requestLog}) {
                if (w != null) {
                    try {
                        w.close();
                    } catch (IOException e) {
                        // At the end of the run: nothing more to write.
                    }
                }
            }
        }

        synchronized LoadSeries.Injector record() {
            long peak =
                    perSecond.values().stream().mapToLong(Long::longValue).max().orElse(0);
            return new LoadSeries.Injector(
                    index,
                    pod,
                    node,
                    requests,
                    share.expectedRequests(),
                    perSecond.size(),
                    peak,
                    skewBoundMs,
                    shiftSeconds == null ? 0 : shiftSeconds,
                    failure);
        }
    }
}
