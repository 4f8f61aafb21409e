package dev.aftershock.bench;

import dev.aftershock.evaluation.LoadRecorder;
import dev.aftershock.evaluation.SloEvaluator;
import dev.aftershock.journal.Journal;
import dev.aftershock.journal.JournalCodec;
import dev.aftershock.journal.Redaction;
import dev.aftershock.load.GatlingLoadDriver;
import dev.aftershock.model.Arrival;
import dev.aftershock.model.Hypothesis;
import dev.aftershock.model.LoadProfile;
import dev.aftershock.report.HtmlReport;
import dev.aftershock.report.SampleJournals;
import dev.aftershock.validation.RepositoryPaths;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A long run's load through the agent's own path (the Gatling child streaming every outcome to a
 * {@link LoadRecorder}, read every second as a run's load session does) against the target service
 * on loopback. Every few minutes, after a GC, it samples the heap, the process's RSS and what the
 * recorder holds; at the end it writes the journal and renders the report of what it recorded.
 *
 * <p>The baseline is the same JVM at its first sample: the heap at the end against the heap then
 * (target: flat, no growth with the requests), and the fitted growth per 1,000 requests against
 * what keeping each request's latency alone would cost (4 bytes a request). Targets: journal under
 * 5 MB, report under 2 MB and rendered in under 2 s. Run: scripts/bench long [minutes] [rps]; only
 * the in-process split of what the recorder keeps per second and per request: scripts/bench long split
 */
public final class LongRunBenchmark {
    private record Sample(long atSecond, long requests, long heapBytes, long rssBytes, long recorderBytes) {}

    private LongRunBenchmark() {}

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("split")) {
            // Only the in-process split, in seconds: scripts/bench long split [minutes] [rps]
            perSecondAndPerRequest(
                    args.length > 1 ? Integer.parseInt(args[1]) : 60,
                    args.length > 2 ? Double.parseDouble(args[2]) : 200);
            return;
        }
        int minutes = args.length > 0 ? Integer.parseInt(args[0]) : 60;
        double rate = args.length > 1 ? Double.parseDouble(args[1]) : 200;
        Path root = RepositoryPaths.root();
        Path work = Files.createTempDirectory("aftershock-long-bench");
        Duration length = Duration.ofMinutes(minutes);
        long sampleEverySeconds = Math.max(30, length.toSeconds() / 12);
        List<Sample> samples = new ArrayList<>();
        LoadRecorder load;
        try (LoopbackTarget target = LoopbackTarget.start(root, work.resolve("target.log"))) {
            LoadProfile profile = new LoadProfile(
                    target.work(),
                    "GET",
                    Map.of(),
                    Optional.empty(),
                    Duration.ofSeconds(2),
                    List.of(new Arrival.Hold(rate, length)));
            long runStart = System.currentTimeMillis();
            load = new LoadRecorder(runStart, target.work().toString());
            GatlingLoadDriver driver = new GatlingLoadDriver(
                    root.resolve("load/driver/target/aftershock-load-driver.jar"), work, Redaction.none());
            ScheduledExecutorService everySecond = Executors.newSingleThreadScheduledExecutor();
            LoadRecorder recorder = load;
            everySecond.scheduleAtFixedRate(
                    () -> {
                        long second = (System.currentTimeMillis() - runStart) / 1000 - 1;
                        recorder.window(second, second + 1);
                    },
                    1,
                    1,
                    TimeUnit.SECONDS);
            System.out.printf(
                    Locale.ROOT, "%.0f rps for %d min, a sample every %d s%n", rate, minutes, sampleEverySeconds);
            driver.start(profile, target.work(), Map.of(), runStart, load::add);
            while (!driver.awaitEnd(Duration.ofSeconds(sampleEverySeconds))) {
                samples.add(sample(load, runStart));
            }
            everySecond.shutdownNow();
            driver.close();
            samples.add(sample(load, runStart));
        }
        judgeAndRender(load, samples);
        perSecondAndPerRequest(minutes, rate);
    }

    /**
     * What a recorder keeps, split: the same run's seconds fed in-process at the rate and at ten
     * times it (the same latencies and one served-by name), heap after GC against an empty
     * recorder's. Flat per request means the two cost the same: only the seconds count.
     */
    private static void perSecondAndPerRequest(int minutes, double rate) {
        int seconds = minutes * 60;
        retained(60, (int) rate); // the first pays for class loading and the JIT's work
        long low = retained(seconds, (int) rate);
        long high = retained(seconds, (int) (rate * 10));
        System.out.printf(
                Locale.ROOT,
                "in-process, %d s of outcomes: at %.0f rps the recorder holds %,d bytes (%.0f a second), at %.0f rps"
                        + " %,d bytes; ratio %.2f for ten times the requests (flat per request: 1.0)%n",
                seconds,
                rate,
                low,
                low / (double) seconds,
                rate * 10,
                high,
                high / (double) low);
    }

    private static long retained(int seconds, int rps) {
        java.util.Random random = new java.util.Random(18);
        long before = heapAfterGc();
        LoadRecorder recorder = new LoadRecorder(0, "t");
        for (int s = 0; s < seconds; s++) {
            for (int i = 0; i < rps; i++) {
                recorder.add(new dev.aftershock.evaluation.Outcome(
                        s * 1000L + i % 1000,
                        1 + (long) Math.abs(random.nextGaussian() * 3),
                        200,
                        "bench",
                        null,
                        null,
                        "127.0.0.1"));
            }
        }
        long held = heapAfterGc() - before;
        if (recorder.whole().requests() != (long) seconds * rps) {
            throw new IllegalStateException("lost outcomes");
        }
        return held;
    }

    private static long heapAfterGc() {
        System.gc();
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static Sample sample(LoadRecorder load, long runStart) throws Exception {
        Sample s = new Sample(
                (System.currentTimeMillis() - runStart) / 1000,
                load.whole().requests(),
                heapAfterGc(),
                Stats.procStatusBytes(ProcessHandle.current().pid(), "VmRSS"),
                load.latencyFootprintBytes());
        System.out.printf(
                Locale.ROOT,
                "t=%5d s  requests %,10d  heap after GC %6.1f MiB  RSS %6.1f MiB  latency histograms %,d bytes%n",
                s.atSecond(),
                s.requests(),
                s.heapBytes() / 1048576.0,
                s.rssBytes() / 1048576.0,
                s.recorderBytes());
        return s;
    }

    private static void judgeAndRender(LoadRecorder load, List<Sample> samples) {
        Sample first = samples.get(0);
        Sample last = samples.get(samples.size() - 1);
        System.out.printf(
                Locale.ROOT,
                "heap after GC: first sample %.1f MiB, last %.1f MiB, ratio %.2f (target: flat)%n",
                first.heapBytes() / 1048576.0,
                last.heapBytes() / 1048576.0,
                last.heapBytes() / (double) first.heapBytes());
        System.out.printf(
                Locale.ROOT,
                "heap growth fitted over the samples: %.1f bytes per 1,000 requests (keeping each latency: 4,000)%n",
                1000 * slope(samples));
        long start = System.nanoTime();
        var verdict = SloEvaluator.judge(
                new Hypothesis.Slo(
                        "users",
                        Optional.empty(),
                        Optional.empty(),
                        Optional.of(Duration.ofMillis(500)),
                        Optional.empty(),
                        Optional.of(Duration.ofSeconds(60))),
                load);
        System.out.printf(
                Locale.ROOT,
                "SLO over 60 s windows judged in %.0f ms: %s (%s)%n",
                (System.nanoTime() - start) / 1e6,
                verdict.verdict(),
                verdict.measured());
        Journal sample = SampleJournals.oneHour();
        Journal journal = new Journal(
                sample.format(),
                sample.run(),
                sample.experiment(),
                sample.environment(),
                sample.faults(),
                sample.terminations(),
                load.series(),
                sample.series(),
                sample.events(),
                sample.hypotheses(),
                sample.abort(),
                sample.rollback());
        int journalBytes = JournalCodec.toJson(journal).getBytes(StandardCharsets.UTF_8).length;
        HtmlReport.render(journal); // the first render pays for class loading
        double[] render = new double[5];
        int htmlBytes = 0;
        for (int i = 0; i < render.length; i++) {
            long s = System.nanoTime();
            htmlBytes = HtmlReport.render(journal).getBytes(StandardCharsets.UTF_8).length;
            render[i] = (System.nanoTime() - s) / 1e6;
        }
        System.out.printf(
                Locale.ROOT,
                "journal (this load, with the one-hour sample's 12 series and 2,000 events): %,d bytes (target < 5,000,000)%n",
                journalBytes);
        System.out.printf(
                Locale.ROOT,
                "report: %,d bytes (target < 2,000,000), rendered in %.0f ms median of 5 (target < 2000 ms)%n",
                htmlBytes,
                Stats.median(render));
    }

    /** Least-squares growth of the heap per request over the samples after the first. */
    private static double slope(List<Sample> samples) {
        List<Sample> later = samples.size() > 2 ? samples.subList(1, samples.size()) : samples;
        double n = later.size();
        double mx = later.stream().mapToDouble(Sample::requests).sum() / n;
        double my = later.stream().mapToDouble(Sample::heapBytes).sum() / n;
        double sxy = 0;
        double sxx = 0;
        for (Sample s : later) {
            sxy += (s.requests() - mx) * (s.heapBytes() - my);
            sxx += (s.requests() - mx) * (s.requests() - mx);
        }
        return sxx == 0 ? 0 : sxy / sxx;
    }
}
