package dev.aftershock.journal;

import java.util.List;
import java.util.Map;

/**
 * Per-second load samples and whole-run totals, as the load driver measured them; with injector
 * pods, each injector's part (empty when the agent's own child played the load).
 */
public record LoadSeries(String target, List<Second> seconds, Totals totals, List<Injector> injectors) {
    public LoadSeries {
        seconds = List.copyOf(seconds);
        // Journals written before injectors existed have none.
        injectors = injectors == null ? List.of() : List.copyOf(injectors);
    }

    public LoadSeries(String target, List<Second> seconds, Totals totals) {
        this(target, seconds, totals, List.of());
    }

    public LoadSeries withInjectors(List<Injector> injectors) {
        return new LoadSeries(target, seconds, totals, injectors);
    }

    /**
     * One injector pod: the requests it sent of those its share of the plan asked for, over how many
     * seconds (with traffic) and at most in one, the bound on its clock's skew (the least of agent clock minus injector clock when its
     * heartbeats arrived: its skew plus the log's delay; null without heartbeats) and the whole
     * seconds its frames were moved by for it, and {@code failure}: why it stopped early, or null.
     */
    public record Injector(
            int index,
            String pod,
            String node,
            long requests,
            double plannedRequests,
            long seconds,
            long peakRps,
            Long skewBoundMs,
            long shiftedSeconds,
            String failure) {
        /** Its mean rate over the seconds it sent in. */
        public double meanRps() {
            return seconds == 0 ? 0 : (double) requests / seconds;
        }
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
