package dev.aftershock.model;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Open-model HTTP load: arrivals are played in order, in requests per second. */
public record LoadProfile(
        URI url,
        String method,
        Map<String, HeaderValue> headers,
        Optional<String> body,
        Duration timeout,
        List<Arrival> arrivals,
        ServedBy servedBy,
        Injectors injectors) {
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);

    /** Played by the agent's own Gatling child, with these response headers for who served a request. */
    public LoadProfile(
            URI url,
            String method,
            Map<String, HeaderValue> headers,
            Optional<String> body,
            Duration timeout,
            List<Arrival> arrivals,
            ServedBy servedBy) {
        this(url, method, headers, body, timeout, arrivals, servedBy, Injectors.LOCAL);
    }

    public LoadProfile {
        headers = Map.copyOf(headers);
        arrivals = List.copyOf(arrivals);
    }

    /** With the target service's own response headers for who served a request. */
    public LoadProfile(
            URI url,
            String method,
            Map<String, HeaderValue> headers,
            Optional<String> body,
            Duration timeout,
            List<Arrival> arrivals) {
        this(url, method, headers, body, timeout, arrivals, ServedBy.DEFAULT);
    }

    /**
     * The response headers in which the target says which pod and node served a request and the
     * client address it saw (the target sets them; Aftershock's target service does, by default).
     */
    public record ServedBy(String podHeader, String nodeHeader, String clientHeader) {
        public static final ServedBy DEFAULT =
                new ServedBy("X-Aftershock-Pod", "X-Aftershock-Node", "X-Aftershock-Client-Ip");
    }

    /**
     * Who plays the load: {@code count} 1, the agent's own Gatling child; more, that many injector
     * pods in the cluster, each playing its share of the plan. {@code requests} and {@code limits}:
     * each injector's resources (Kubernetes quantities by resource name); {@code nodeSelector}: the
     * node labels an injector's node must have (none: any node); {@code onFaultNodes}: may
     * an injector run on a node a fault of the run targets (by default it may not: the load must not
     * fall with the fault it measures).
     */
    public record Injectors(
            int count,
            Map<String, String> requests,
            Map<String, String> limits,
            Map<String, String> nodeSelector,
            boolean onFaultNodes) {
        public static final Injectors LOCAL = new Injectors(1, Map.of(), Map.of(), Map.of(), false);
        public static final Map<String, String> DEFAULT_REQUESTS = Map.of("cpu", "500m", "memory", "512Mi");
        public static final Map<String, String> DEFAULT_LIMITS = Map.of("memory", "1Gi");

        public Injectors {
            requests = Map.copyOf(requests);
            limits = Map.copyOf(limits);
            nodeSelector = Map.copyOf(nodeSelector);
        }

        /** Whether the load runs in injector pods rather than in the agent's own child. */
        public boolean inPods() {
            return count > 1;
        }
    }

    public Duration totalLength() {
        return arrivals.stream().map(Arrival::length).reduce(Duration.ZERO, Duration::plus);
    }
}
