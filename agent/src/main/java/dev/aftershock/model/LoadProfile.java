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
        ServedBy servedBy) {
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);

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

    public Duration totalLength() {
        return arrivals.stream().map(Arrival::length).reduce(Duration.ZERO, Duration::plus);
    }
}
