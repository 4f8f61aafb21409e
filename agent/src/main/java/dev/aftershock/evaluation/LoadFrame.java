package dev.aftershock.evaluation;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.DataFormatException;
import org.HdrHistogram.AbstractHistogram;
import org.HdrHistogram.Histogram;

/**
 * Outcomes of requests that started in one second of the run, as a load driver sends them: how long
 * they took (a latency histogram in ms), which failed and why, and who served them. Frames of the
 * same second add up; nothing in one is per request.
 *
 * @param second the second of the run the requests started in, counted from the run's start
 * @param firstStartMs when the earliest of them started (epoch ms)
 * @param errors failed requests by error kind
 * @param pods who served them, as the target said
 * @param nodes the nodes of those pods, as the target said
 * @param clients the client address the pods saw, as they said
 */
public record LoadFrame(
        long second,
        long firstStartMs,
        AbstractHistogram latencies,
        Map<String, Long> errors,
        Map<String, Long> pods,
        Map<String, Long> nodes,
        Map<String, Long> clients) {

    public long requests() {
        return latencies.getTotalCount();
    }

    public long failed() {
        return errors.values().stream().mapToLong(Long::longValue).sum();
    }

    /** One request as a frame of its own (the unit tests' and the benchmarks' way in). */
    public static LoadFrame of(Outcome o, long runStartMs) {
        Histogram latency = new Histogram(LoadRecorder.LATENCY_DIGITS);
        latency.recordValue(Math.max(0, o.latencyMs()));
        return new LoadFrame(
                Math.floorDiv(o.startMs() - runStartMs, 1000),
                o.startMs(),
                latency,
                one(o.error()),
                one(o.pod()),
                one(o.node()),
                one(o.client()));
    }

    private static Map<String, Long> one(String name) {
        return name == null ? Map.of() : Map.of(name, 1L);
    }

    /**
     * Parses the driver's line: {@code S second firstStartMs latencies errors pods nodes clients}
     * (see the load driver's OutcomeStream). Anything else is an {@link IllegalArgumentException}.
     */
    public static LoadFrame parse(String line) {
        String[] w = line.trim().split(" ");
        if (w.length != 8 || !w[0].equals("S")) {
            throw new IllegalArgumentException("not an outcome line: " + abbreviated(line));
        }
        try {
            byte[] histogram = Base64.getDecoder().decode(w[3]);
            return new LoadFrame(
                    Long.parseLong(w[1]),
                    Long.parseLong(w[2]),
                    Histogram.decodeFromCompressedByteBuffer(ByteBuffer.wrap(histogram), 0),
                    counts(w[4]),
                    counts(w[5]),
                    counts(w[6]),
                    counts(w[7]));
        } catch (DataFormatException | RuntimeException e) {
            throw new IllegalArgumentException("not an outcome line: " + abbreviated(line), e);
        }
    }

    private static Map<String, Long> counts(String word) {
        Map<String, Long> counts = new TreeMap<>();
        if (word.equals("-")) {
            return counts;
        }
        for (String pair : word.split(",")) {
            int eq = pair.lastIndexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("not a name=count pair: " + pair);
            }
            String name = new String(Base64.getUrlDecoder().decode(pair.substring(0, eq)), StandardCharsets.UTF_8);
            counts.merge(name, Long.parseLong(pair.substring(eq + 1)), Long::sum);
        }
        return counts;
    }

    private static String abbreviated(String line) {
        return line.length() <= 120 ? line : line.substring(0, 120) + "...";
    }
}
