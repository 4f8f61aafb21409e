package dev.aftershock.evaluation;

import dev.aftershock.journal.LoadSeries;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.HdrHistogram.AbstractHistogram;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.PackedHistogram;

/**
 * Outcomes gathered by the second they started in, counted from the run's start: the one clock
 * that fault events and Kubernetes observations share. Thread-safe.
 *
 * <p>Nothing is kept per request, so a long run at a high rate holds no more than a short one: each
 * second keeps counts and a latency histogram (HdrHistogram, three significant digits: latencies up
 * to 2,047 ms are exact to the millisecond, longer ones within 0.1 %). Windows merge the seconds'
 * histograms, so their percentiles are those of the union of their requests within that precision.
 */
public final class LoadRecorder {
    private final long runStartMs;
    private final String target;
    private final TreeMap<Long, Bucket> seconds = new TreeMap<>();
    private long firstRequestAtMs = Long.MAX_VALUE;

    /** The run's start (epoch ms), which the seconds count from. */
    public long runStartMs() {
        return runStartMs;
    }

    public LoadRecorder(long runStartMs, String target) {
        this.runStartMs = runStartMs;
        this.target = target;
    }

    /** Significant digits of every latency histogram: see the class comment. */
    static final int LATENCY_DIGITS = 3;

    private static final class Bucket {
        /** Packed: its memory follows the distinct latencies seen, not the request count. */
        final PackedHistogram latencies = new PackedHistogram(LATENCY_DIGITS);

        final Map<String, Long> errors = new TreeMap<>();
        /** Who served (as the target said), and the client address it saw: counts, not requests. */
        final Map<String, Long> pods = new TreeMap<>();

        final Map<String, Long> nodes = new TreeMap<>();
        final Map<String, Long> clients = new TreeMap<>();

        long errorCount() {
            return errors.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    /**
     * At most this many pod, node and client names (and error messages) are told apart; more go under {@link #OTHER}: a
     * header that changes with every request must not make the load kept per request.
     */
    static final int MAX_SERVED_NAMES = 200;

    static final String OTHER = "(other)";
    private final java.util.Set<String> podNames = new java.util.HashSet<>();
    private final java.util.Set<String> nodeNames = new java.util.HashSet<>();
    private final java.util.Set<String> clientNames = new java.util.HashSet<>();
    /** Errors are counted by message: a message that differs every request must be capped too. */
    private final java.util.Set<String> errorMessages = new java.util.HashSet<>();

    private static String capped(java.util.Set<String> names, String name) {
        if (name == null || names.contains(name)) {
            return name;
        }
        if (names.size() >= MAX_SERVED_NAMES) {
            return OTHER;
        }
        names.add(name);
        return name;
    }

    /** One request (as a frame of its own). */
    public void add(Outcome outcome) {
        add(LoadFrame.of(outcome, runStartMs));
    }

    /** Requests that started in one second of the run, as a driver sends them: added to that second's. */
    public synchronized void add(LoadFrame frame) {
        if (frame.requests() == 0) {
            return;
        }
        firstRequestAtMs = Math.min(firstRequestAtMs, Math.max(0, frame.firstStartMs() - runStartMs));
        Bucket second = seconds.computeIfAbsent(Math.max(0, frame.second()), k -> new Bucket());
        count(frame.errors(), second.errors, errorMessages);
        count(frame.pods(), second.pods, podNames);
        count(frame.nodes(), second.nodes, nodeNames);
        count(frame.clients(), second.clients, clientNames);
        second.latencies.add(frame.latencies());
    }

    /** Adds a frame's counts to a second's, each name as capped (see MAX_SERVED_NAMES). */
    private static void count(Map<String, Long> counts, Map<String, Long> into, java.util.Set<String> names) {
        counts.forEach((name, n) -> into.merge(capped(names, name), n, Long::sum));
    }

    /** The address the load's requests leave from toward the target, when known (see LoadSession). */
    private volatile String sourceAddress;

    public void sourceAddress(String address) {
        this.sourceAddress = address;
    }

    public java.util.Optional<String> sourceAddress() {
        return java.util.Optional.ofNullable(sourceAddress);
    }

    /**
     * Who served the requests started in [fromSecond, toSecond), as the target said in its
     * response headers: counts by pod, by node and by the client address the pod saw.
     */
    public record ServedBy(Map<String, Long> pods, Map<String, Long> nodes, Map<String, Long> clients) {
        public long toldPod() {
            return pods.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    public synchronized ServedBy servedBy(long fromSecond, long toSecond) {
        Map<String, Long> pods = new TreeMap<>();
        Map<String, Long> nodes = new TreeMap<>();
        Map<String, Long> clients = new TreeMap<>();
        for (Bucket b : seconds.subMap(fromSecond, toSecond).values()) {
            b.pods.forEach((k, v) -> pods.merge(k, v, Long::sum));
            b.nodes.forEach((k, v) -> nodes.merge(k, v, Long::sum));
            b.clients.forEach((k, v) -> clients.merge(k, v, Long::sum));
        }
        return new ServedBy(pods, nodes, clients);
    }

    /** Seconds of the run with a failed request in them, and how many. */
    public synchronized Map<Long, Long> errorsBySecond() {
        Map<Long, Long> errors = new TreeMap<>();
        seconds.forEach((s, b) -> {
            if (b.errorCount() > 0) {
                errors.put(s, b.errorCount());
            }
        });
        return errors;
    }

    /**
     * Each pod's and each node's share of the requests the target told who served, in % over every
     * {@code windowSeconds}: series {@code traffic/pod/<pod>} and {@code traffic/node/<node>}
     * (names a pod or node cannot break: neither holds a '/'). None when the target never said.
     */
    public synchronized List<dev.aftershock.journal.Series> trafficSeries(int windowSeconds) {
        Map<String, List<dev.aftershock.journal.Series.Point>> points = new TreeMap<>();
        if (seconds.isEmpty()) {
            return List.of();
        }
        for (long from = seconds.firstKey(); from <= seconds.lastKey(); from += windowSeconds) {
            ServedBy s = servedBy(from, from + windowSeconds);
            long told = s.toldPod();
            long nodesTold =
                    s.nodes().values().stream().mapToLong(Long::longValue).sum();
            // A window's point at its end, the last one at the load's end.
            long t = Math.min(from + windowSeconds, seconds.lastKey() + 1) * 1000;
            if (told > 0) {
                s.pods()
                        .forEach((pod, n) -> points.computeIfAbsent("traffic/pod/" + pod, k -> new ArrayList<>())
                                .add(new dev.aftershock.journal.Series.Point(t, Math.round(1000.0 * n / told) / 10.0)));
            }
            if (nodesTold > 0) {
                s.nodes()
                        .forEach((node, n) -> points.computeIfAbsent("traffic/node/" + node, k -> new ArrayList<>())
                                .add(new dev.aftershock.journal.Series.Point(
                                        t, Math.round(1000.0 * n / nodesTold) / 10.0)));
            }
        }
        List<dev.aftershock.journal.Series> series = new ArrayList<>();
        points.forEach((name, p) -> series.add(new dev.aftershock.journal.Series(name, "%", p)));
        return series;
    }

    /** When the first request was sent, in ms of the run: the arrival plan's start. */
    public synchronized java.util.OptionalLong firstRequestAtMs() {
        return firstRequestAtMs == Long.MAX_VALUE
                ? java.util.OptionalLong.empty()
                : java.util.OptionalLong.of(firstRequestAtMs);
    }

    /** Requests, errors and percentiles over the seconds [fromSecond, toSecond). */
    public synchronized Window window(long fromSecond, long toSecond) {
        long errors = 0;
        var span = seconds.subMap(fromSecond, toSecond).values();
        // One second (read every second while the run goes on) is read from its own histogram.
        AbstractHistogram all = span.size() == 1 ? span.iterator().next().latencies : new Histogram(LATENCY_DIGITS);
        for (var e : span) {
            errors += e.errorCount();
            if (all != e.latencies) {
                all.add(e.latencies);
            }
        }
        return new Window(
                fromSecond,
                toSecond,
                all.getTotalCount(),
                errors,
                percentile(all, 50),
                percentile(all, 95),
                percentile(all, 99));
    }

    public synchronized Window whole() {
        return seconds.isEmpty() ? window(0, 0) : window(0, seconds.lastKey() + 1);
    }

    public synchronized long lastSecond() {
        return seconds.isEmpty() ? -1 : seconds.lastKey();
    }

    /** What the journal keeps: one entry per second with traffic, and the totals. */
    public synchronized LoadSeries series() {
        List<LoadSeries.Second> out = new ArrayList<>();
        double maxRps = 0;
        for (var e : seconds.entrySet()) {
            Window w = window(e.getKey(), e.getKey() + 1);
            out.add(new LoadSeries.Second(e.getKey(), w.requests(), e.getValue().errors, w.p50(), w.p95(), w.p99()));
            maxRps = Math.max(maxRps, w.requests());
        }
        Window all = whole();
        return new LoadSeries(
                target,
                out,
                new LoadSeries.Totals(all.requests(), all.errors(), all.p50(), all.p95(), all.p99(), maxRps));
    }

    /**
     * Nearest-rank percentile in ms (the smallest latency at least p % of the requests had, within
     * the histogram's precision); NaN when nothing completed.
     */
    static double percentile(AbstractHistogram latencies, double p) {
        return latencies.getTotalCount() == 0 ? Double.NaN : latencies.getValueAtPercentile(p);
    }

    /** What the latency histograms hold, in bytes (estimated): it grows with seconds, not requests. */
    public synchronized long latencyFootprintBytes() {
        return seconds.values().stream()
                .mapToLong(b -> b.latencies.getEstimatedFootprintInBytes())
                .sum();
    }

    /** Traffic over a span of seconds. */
    public record Window(long from, long to, long requests, long errors, double p50, double p95, double p99) {
        public double errorRatePercent() {
            return requests == 0 ? 0 : 100.0 * errors / requests;
        }
    }
}
