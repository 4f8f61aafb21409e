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
        List<Arrival> arrivals) {
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);

    public LoadProfile {
        headers = Map.copyOf(headers);
        arrivals = List.copyOf(arrivals);
    }

    public Duration totalLength() {
        return arrivals.stream().map(Arrival::length).reduce(Duration.ZERO, Duration::plus);
    }
}
