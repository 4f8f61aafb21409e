package dev.aftershock.journal;

import java.util.List;
import java.util.Map;

/** Per-second load samples and whole-run totals, as the load driver measured them. */
public record LoadSeries(String target, List<Second> seconds, Totals totals) {
    public LoadSeries {
        seconds = List.copyOf(seconds);
    }

    /**
     * One second of traffic: {@code t} counts seconds from the run's start; latencies in ms (NaN when
     * no request completed in that second); errors counted by kind (timeout, connect, http-5xx...).
     */
    public record Second(long t, long requests, Map<String, Long> errors, double p50, double p95, double p99) {
        public Second {
            errors = Map.copyOf(errors);
        }

        public long errorCount() {
            return errors.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    public record Totals(long requests, long errors, double p50, double p95, double p99, double maxRps) {
        public double errorRatePercent() {
            return requests == 0 ? 0 : 100.0 * errors / requests;
        }
    }
}
