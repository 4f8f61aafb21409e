package dev.aftershock.prometheus;

import dev.aftershock.evaluation.PromQlEvaluator;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Instant queries against Prometheus' HTTP API ({@code /api/v1/query}). */
public final class PrometheusClient implements PromQlEvaluator.Query {
    private final URI given;
    private final URI base;
    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    public PrometheusClient(URI base) {
        this.given = base;
        String text = base.toString();
        this.base = URI.create(text.endsWith("/") ? text : text + "/");
    }

    @Override
    public String location() {
        return given.toString();
    }

    @Override
    public List<PromQlEvaluator.Sample> instant(String promQl) throws IOException, InterruptedException {
        URI uri = base.resolve("api/v1/query?query=" + URLEncoder.encode(promQl, StandardCharsets.UTF_8));
        HttpResponse<String> response = http.send(
                HttpRequest.newBuilder(uri)
                        .timeout(Duration.ofSeconds(30))
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        JsonNode body;
        try {
            body = JsonMapper.shared().readTree(response.body());
        } catch (RuntimeException e) {
            throw new IOException(
                    "HTTP " + response.statusCode() + ", not Prometheus' JSON: " + abbreviated(response.body()));
        }
        if (!"success".equals(body.path("status").asString(""))) {
            throw new IOException("HTTP " + response.statusCode() + ": "
                    + body.path("errorType").asString("") + " "
                    + body.path("error").asString(abbreviated(response.body())));
        }
        return samples(body.path("data"));
    }

    /** Vectors give one sample per series; a scalar gives one unlabelled sample; matrices are refused. */
    static List<PromQlEvaluator.Sample> samples(JsonNode data) throws IOException {
        String type = data.path("resultType").asString("");
        JsonNode result = data.path("result");
        List<PromQlEvaluator.Sample> samples = new ArrayList<>();
        switch (type) {
            case "vector" -> {
                for (JsonNode series : result) {
                    samples.add(new PromQlEvaluator.Sample(
                            labels(series.path("metric")),
                            Double.parseDouble(series.path("value").get(1).asString())));
                }
            }
            case "scalar" ->
                samples.add(new PromQlEvaluator.Sample(
                        "", Double.parseDouble(result.get(1).asString())));
            default ->
                throw new IOException(
                        "the query gave a " + type + "; use an expression that gives a vector or a scalar");
        }
        return samples;
    }

    private static String labels(JsonNode metric) {
        Map<String, String> sorted = new TreeMap<>();
        metric.properties().forEach(e -> sorted.put(e.getKey(), e.getValue().asString()));
        return sorted.isEmpty()
                ? ""
                : sorted.entrySet().stream()
                        .map(e -> e.getKey() + "=\"" + e.getValue() + "\"")
                        .collect(Collectors.joining(",", "{", "}"));
    }

    private static String abbreviated(String body) {
        String flat = body.strip().replaceAll("\\s+", " ");
        return flat.length() > 200 ? flat.substring(0, 200) + "..." : flat;
    }
}
