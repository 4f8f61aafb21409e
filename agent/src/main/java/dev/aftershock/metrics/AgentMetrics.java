package dev.aftershock.metrics;

import dev.aftershock.evaluation.LoadFrame;
import dev.aftershock.evaluation.Observed;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The agent's metrics, named {@code aftershock_*} in Prometheus' text format. Each label has a
 * handful of values at most (outcome, action, kind, verdict, and the experiment's HPA names).
 */
public final class AgentMetrics {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final AtomicInteger running = new AtomicInteger();
    private final Timer latency;
    private final Counter requestsOk;
    private final Counter requestsFailed;
    private final Map<String, AtomicInteger> replicas = new ConcurrentHashMap<>();

    public AgentMetrics() {
        Gauge.builder("aftershock.runs.active", running, AtomicInteger::get)
                .description("Runs in progress")
                .register(registry);
        latency = Timer.builder("aftershock.request.latency")
                .description("Latency of the load's requests, as the load driver measured it")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofSeconds(30))
                .register(registry);
        // Counted for every request: built once, not looked up per call.
        requestsOk = requests("ok");
        requestsFailed = requests("error");
    }

    private Counter requests(String outcome) {
        return Counter.builder("aftershock.requests")
                .description("Requests the load sent, by outcome")
                .tag("outcome", outcome)
                .register(registry);
    }

    public void runStarted() {
        running.incrementAndGet();
    }

    public void runEnded(String outcome) {
        running.decrementAndGet();
        Counter.builder("aftershock.runs")
                .description("Runs finished, by outcome")
                .tag("outcome", outcome)
                .register(registry)
                .increment();
    }

    /** A driver's frame of requests: counted by outcome, each latency recorded as often as it came. */
    public void requests(LoadFrame frame) {
        requestsFailed.increment(frame.failed());
        requestsOk.increment(frame.requests() - frame.failed());
        for (var value : frame.latencies().recordedValues()) {
            Duration latency = Duration.ofMillis(value.getValueIteratedTo());
            for (long i = 0; i < value.getCountAtValueIteratedTo(); i++) {
                this.latency.record(latency);
            }
        }
    }

    public void faultInjected(String action) {
        fault("aftershock.faults.injected", "Fault targets injected", action);
    }

    public void faultRecovered(String action) {
        fault("aftershock.faults.recovered", "Fault targets recovered", action);
    }

    public void faultRecoveryFailed(String action) {
        fault("aftershock.faults.recovery.failed", "Fault targets whose recovery failed", action);
    }

    private void fault(String name, String description, String action) {
        Counter.builder(name)
                .description(description)
                .tag("action", action)
                .register(registry)
                .increment();
    }

    public void verdict(String kind, String verdict) {
        Counter.builder("aftershock.hypotheses")
                .description("Hypotheses judged, by kind and verdict")
                .tag("kind", kind)
                .tag("verdict", verdict)
                .register(registry)
                .increment();
    }

    /** The HPA's replicas as last seen: current and desired, one pair per HPA of the experiment. */
    public void hpa(Observed.HpaStatus status) {
        gauge(status.hpa(), "current").set(status.current());
        gauge(status.hpa(), "desired").set(status.desired());
    }

    private AtomicInteger gauge(String hpa, String state) {
        return replicas.computeIfAbsent(hpa + "/" + state, k -> {
            AtomicInteger value = new AtomicInteger();
            Gauge.builder("aftershock.hpa.replicas", value, AtomicInteger::get)
                    .description("Replicas of an HPA the run watches")
                    .tag("hpa", hpa)
                    .tag("state", state)
                    .register(registry);
            return value;
        });
    }

    /** The Prometheus text exposition of every metric. */
    public String scrape() {
        return registry.scrape();
    }
}
