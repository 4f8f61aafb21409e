package dev.aftershock.evaluation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

/** The driver's frames: read as it writes them, and added up to what their requests would give. */
class LoadFrameTest {
    private static final long START = 1_700_000_000_000L;

    private static String name(String s) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    private static String histogram(long... latencies) {
        Histogram h = new Histogram(LoadRecorder.LATENCY_DIGITS);
        for (long l : latencies) {
            h.recordValue(l);
        }
        ByteBuffer buffer = ByteBuffer.allocate(h.getNeededByteBufferCapacity());
        int length = h.encodeIntoCompressedByteBuffer(buffer);
        return Base64.getEncoder().encodeToString(java.util.Arrays.copyOf(buffer.array(), length));
    }

    @Test
    void aFrameIsReadWithItsLatenciesAndNamesWhateverCharactersTheyHold() {
        LoadFrame frame = LoadFrame.parse("S 4 %d %s %s %s - %s"
                .formatted(
                        START + 4_010,
                        histogram(5, 7, 7, 900),
                        name("connect refused, port=80") + "=1",
                        name("web-a") + "=2," + name("web-b") + "=1",
                        name("10.0.0.9") + "=3"));

        assertThat(frame.second()).isEqualTo(4);
        assertThat(frame.firstStartMs()).isEqualTo(START + 4_010);
        assertThat(frame.requests()).isEqualTo(4);
        assertThat(frame.failed()).isEqualTo(1);
        assertThat(frame.latencies().getValueAtPercentile(50)).isEqualTo(7);
        assertThat(frame.errors()).containsExactlyEntriesOf(Map.of("connect refused, port=80", 1L));
        assertThat(frame.pods()).containsExactlyInAnyOrderEntriesOf(Map.of("web-a", 2L, "web-b", 1L));
        assertThat(frame.nodes()).isEmpty();
        assertThat(frame.clients()).containsExactlyEntriesOf(Map.of("10.0.0.9", 3L));
    }

    @Test
    void whatIsNotAFrameIsRefusedNotMisread() {
        for (String line : List.of(
                "1000 12 200 web-a node-1 - 10.0.0.1",
                "S 1 2 notbase64!! - - - -",
                "S 1 2 " + histogram(1) + " - " + name("web") + " - -",
                "S x 2 " + histogram(1) + " - - - -",
                "S 1 2 " + histogram(1) + " - - -")) {
            assertThatThrownBy(() -> LoadFrame.parse(line), line)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("not an outcome line");
        }
    }

    @Test
    void framesAddUpToWhatTheirRequestsOneByOneGive() {
        LoadRecorder byRequest = new LoadRecorder(START, "t");
        LoadRecorder byFrame = new LoadRecorder(START, "t");
        Random random = new Random(19);
        for (int second = 0; second < 10; second++) {
            // A second's requests in three frames, as the driver's flushes may split them.
            List<List<Outcome>> frames = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
            for (int i = 0; i < 300; i++) {
                long latency = random.nextInt(100) < 97 ? random.nextInt(200) : 2_000 + random.nextInt(9_000);
                String error = latency > 5_000 ? "timeout" : null;
                Outcome o = new Outcome(
                        START + second * 1000L + random.nextInt(1000),
                        latency,
                        error == null ? 200 : 0,
                        error == null ? "web-" + random.nextInt(3) : null,
                        error == null ? "node-" + random.nextInt(2) : null,
                        error,
                        "10.0.0." + random.nextInt(2));
                byRequest.add(o);
                frames.get(i % 3).add(o);
            }
            for (List<Outcome> part : frames) {
                byFrame.add(frame(second, part));
            }
        }

        assertThat(byFrame.series()).isEqualTo(byRequest.series());
        assertThat(byFrame.window(2, 7)).isEqualTo(byRequest.window(2, 7));
        assertThat(byFrame.servedBy(0, 10)).isEqualTo(byRequest.servedBy(0, 10));
        assertThat(byFrame.errorsBySecond()).isEqualTo(byRequest.errorsBySecond());
        assertThat(byFrame.firstRequestAtMs()).isEqualTo(byRequest.firstRequestAtMs());
    }

    /** What the driver would send for these requests of one second. */
    private static LoadFrame frame(long second, List<Outcome> outcomes) {
        Histogram latencies = new Histogram(LoadRecorder.LATENCY_DIGITS);
        Map<String, Long> errors = new java.util.TreeMap<>();
        Map<String, Long> pods = new java.util.TreeMap<>();
        Map<String, Long> nodes = new java.util.TreeMap<>();
        Map<String, Long> clients = new java.util.TreeMap<>();
        long first = Long.MAX_VALUE;
        for (Outcome o : outcomes) {
            first = Math.min(first, o.startMs());
            latencies.recordValue(o.latencyMs());
            if (o.error() != null) {
                errors.merge(o.error(), 1L, Long::sum);
            }
            if (o.pod() != null) {
                pods.merge(o.pod(), 1L, Long::sum);
            }
            if (o.node() != null) {
                nodes.merge(o.node(), 1L, Long::sum);
            }
            clients.merge(o.client(), 1L, Long::sum);
        }
        return new LoadFrame(second, first, latencies, errors, pods, nodes, clients);
    }
}
