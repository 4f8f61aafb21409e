package dev.aftershock.evaluation;

import dev.aftershock.journal.LoadSeries;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Outcomes gathered by the second they started in, counted from the run's start: the one clock
 * that fault events and Kubernetes observations share. Thread-safe; kept whole (latencies of
 * every request) so windows and percentiles are exact.
 */
public final class LoadRecorder {
    private final long runStartMs;
    private final String target;
    private final TreeMap<Long, Bucket> seconds = new TreeMap<>();
    private long firstRequestAtMs = Long.MAX_VALUE;

    public LoadRecorder(long runStartMs, String target) {
        this.runStartMs = runStartMs;
        this.target = target;
    }

    private static final class Bucket {
        int[] latencies = new int[16];
        int count;
        final Map<String, Long> errors = new TreeMap<>();

        void add(Outcome o) {
            if (count == latencies.length) {
                latencies = Arrays.copyOf(latencies, count * 2);
            }
            latencies[count++] = (int) Math.min(Integer.MAX_VALUE, o.latencyMs());
            if (o.failed()) {
                errors.merge(o.error(), 1L, Long::sum);
            }
        }

        long errorCount() {
            return errors.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    public synchronized void add(Outcome outcome) {
        firstRequestAtMs = Math.min(firstRequestAtMs, Math.max(0, outcome.startMs() - runStartMs));
        long t = Math.max(0, (outcome.startMs() - runStartMs) / 1000);
        seconds.computeIfAbsent(t, k -> new Bucket()).add(outcome);
    }

    /** When the first request was sent, in ms of the run: the arrival plan's start. */
    public synchronized java.util.OptionalLong firstRequestAtMs() {
        return firstRequestAtMs == Long.MAX_VALUE
                ? java.util.OptionalLong.empty()
                : java.util.OptionalLong.of(firstRequestAtMs);
    }

    /** Requests, errors and percentiles over the seconds [fromSecond, toSecond). */
    public synchronized Window window(long fromSecond, long toSecond) {
        int n = 0;
        long errors = 0;
        List<int[]> parts = new ArrayList<>();
        for (var e : seconds.subMap(fromSecond, toSecond).values()) {
            n += e.count;
            errors += e.errorCount();
            parts.add(Arrays.copyOf(e.latencies, e.count));
        }
        int[] all = new int[n];
        int at = 0;
        for (int[] p : parts) {
            System.arraycopy(p, 0, all, at, p.length);
            at += p.length;
        }
        Arrays.sort(all);
        return new Window(
                fromSecond, toSecond, n, errors, percentile(all, 50), percentile(all, 95), percentile(all, 99));
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

    /** Nearest-rank percentile in ms; NaN when nothing completed. */
    static double percentile(int[] sorted, double p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    /** Traffic over a span of seconds. */
    public record Window(long from, long to, long requests, long errors, double p50, double p95, double p99) {
        public double errorRatePercent() {
            return requests == 0 ? 0 : 100.0 * errors / requests;
        }
    }
}
