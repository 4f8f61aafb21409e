package dev.aftershock.load.driver;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/**
 * What the agent asks the driver to play, as a properties file (the driver's classpath has no
 * YAML or JSON binding of ours, and needs none):
 *
 * <pre>
 * urlEnv=AFTERSHOCK_LOAD_URL
 * method=GET
 * timeoutMs=2000
 * headerEnv.Authorization=AFTERSHOCK_LOAD_HEADER_0
 * body=...
 * arrivals=ramp 2 40 60000;hold 40 150000;steps 10,20,30 30000
 * </pre>
 *
 * The URL and header values may carry credentials, so the agent passes them in the child's
 * environment ({@code urlEnv}, {@code headerEnv.NAME}), never in the file; {@code url} and
 * {@code header.NAME} with literal values are read too (the standalone benchmark writes them).
 * {@code originMs}: the run's start (epoch ms), which the seconds of the outcome stream count from.
 * {@code startAtMs} (an injector pod's plan; 0: at once): when, on this machine's clock, the
 * arrivals start, so that every injector starts with the run. {@code recordRequests}: the test mode
 * of an injector's stream (each request's latency too).
 */
public record LoadPlan(
        String url,
        String method,
        Map<String, String> headers,
        Optional<String> body,
        long timeoutMs,
        List<Phase> phases,
        String podHeader,
        String nodeHeader,
        String clientHeader,
        long originMs,
        long startAtMs,
        boolean recordRequests) {

    public sealed interface Phase {
        long millis();
    }

    public record Ramp(double from, double to, long millis) implements Phase {}

    public record Hold(double rate, long millis) implements Phase {}

    public static LoadPlan read(Path file) throws IOException {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(r);
        }
        return parse(p, System.getenv());
    }

    /** An injector pod's plan, the text of a plan file in environment variable {@code variable}. */
    public static LoadPlan fromEnvironment(String variable) throws IOException {
        Map<String, String> env = System.getenv();
        Properties p = new Properties();
        p.load(new java.io.StringReader(fromEnv(env, variable)));
        return parse(p, env);
    }

    static LoadPlan parse(Properties p, Map<String, String> env) {
        Map<String, String> headers = new LinkedHashMap<>();
        for (String key : p.stringPropertyNames().stream().sorted().toList()) {
            if (key.startsWith("header.")) {
                headers.put(key.substring("header.".length()), p.getProperty(key));
            } else if (key.startsWith("headerEnv.")) {
                headers.put(key.substring("headerEnv.".length()), fromEnv(env, p.getProperty(key)));
            }
        }
        String url = p.getProperty("urlEnv") != null ? fromEnv(env, p.getProperty("urlEnv")) : required(p, "url");
        List<Phase> phases = new ArrayList<>();
        for (String part : required(p, "arrivals").split(";")) {
            String[] w = part.trim().split("\\s+");
            switch (w[0]) {
                case "ramp" ->
                    phases.add(new Ramp(Double.parseDouble(w[1]), Double.parseDouble(w[2]), Long.parseLong(w[3])));
                case "hold" -> phases.add(new Hold(Double.parseDouble(w[1]), Long.parseLong(w[2])));
                case "steps" -> {
                    long each = Long.parseLong(w[2]);
                    for (String rate : w[1].split(",")) {
                        phases.add(new Hold(Double.parseDouble(rate), each));
                    }
                }
                default -> throw new IllegalArgumentException("unknown arrival phase '" + w[0] + "' in: " + part);
            }
        }
        return new LoadPlan(
                url,
                p.getProperty("method", "GET"),
                headers,
                Optional.ofNullable(p.getProperty("body")),
                Long.parseLong(p.getProperty("timeoutMs", "5000")),
                phases,
                p.getProperty("servedBy.pod", "X-Aftershock-Pod"),
                p.getProperty("servedBy.node", "X-Aftershock-Node"),
                p.getProperty("servedBy.client", "X-Aftershock-Client-Ip"),
                Long.parseLong(p.getProperty("originMs", "0")),
                Long.parseLong(p.getProperty("startAtMs", "0")),
                Boolean.parseBoolean(p.getProperty("recordRequests", "false")));
    }

    private static String fromEnv(Map<String, String> env, String variable) {
        String value = env.get(variable);
        if (value == null) {
            throw new IllegalArgumentException(
                    "the load plan names " + variable + ", which the environment does not set");
        }
        return value;
    }

    private static String required(Properties p, String key) {
        String value = p.getProperty(key);
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("the load plan has no '" + key + "'");
        }
        return value;
    }
}
