package dev.aftershock.load.driver;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

/** What the driver sends: per second of the run, a histogram and counts, never a line per request. */
class OutcomeStreamTest {
    private static final long ORIGIN = 1_700_000_000_123L;

    @Test
    void requestsGoOutAsOneLinePerSecondWithTheirLatenciesAndNames() throws Exception {
        List<String> lines = new ArrayList<>();
        try (ServerSocket agent = new ServerSocket()) {
            agent.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            Thread reader = Thread.ofPlatform().start(() -> {
                try (Socket s = agent.accept();
                        BufferedReader in = new BufferedReader(
                                new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII))) {
                    in.lines().forEach(lines::add);
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            try (OutcomeStream stream = OutcomeStream.connect("127.0.0.1:" + agent.getLocalPort(), ORIGIN)) {
                for (int i = 0; i < 1000; i++) {
                    // Second 0 of the run, then second 2; one error message holds spaces and '=', ','.
                    stream.record(ORIGIN + i, 1 + i % 100, 200, "web-a", "node-1", "10.0.0.1", null);
                }
                stream.record(ORIGIN + 2_500, 3_000, 0, null, null, null, "timeout, after 3 s = too long");
                stream.record(ORIGIN - 1, 5, 200, "web-b", null, null, null);
            }
            reader.join(10_000);
        }

        // Lines of a second add up (the stream flushes every 100 ms, which may split one).
        assertThat(lines).allSatisfy(l -> assertThat(l.split(" ")).hasSize(8).startsWith("S"));
        java.util.Map<Long, Histogram> latencies = new java.util.TreeMap<>();
        java.util.Map<Long, java.util.Map<String, Long>> names = new java.util.TreeMap<>();
        java.util.Map<Long, Long> firstStart = new java.util.TreeMap<>();
        for (String line : lines) {
            String[] w = line.split(" ");
            long second = Long.parseLong(w[1]);
            firstStart.merge(second, Long.parseLong(w[2]), Math::min);
            latencies
                    .computeIfAbsent(second, k -> new Histogram(3))
                    .add(Histogram.decodeFromCompressedByteBuffer(
                            ByteBuffer.wrap(Base64.getDecoder().decode(w[3])), 0));
            String[] kinds = {"error", "pod", "node", "client"};
            for (int k = 0; k < 4; k++) {
                if (!w[4 + k].equals("-")) {
                    for (String pair : w[4 + k].split(",")) {
                        String[] nameAndCount = pair.split("=");
                        names.computeIfAbsent(second, x -> new java.util.TreeMap<>())
                                .merge(
                                        kinds[k] + ":" + decoded(nameAndCount[0]),
                                        Long.parseLong(nameAndCount[1]),
                                        Long::sum);
                    }
                }
            }
        }

        assertThat(latencies.keySet()).containsExactly(-1L, 0L, 2L);
        assertThat(lines.size()).isLessThan(20);
        assertThat(firstStart.get(0L)).isEqualTo(ORIGIN);
        assertThat(latencies.get(0L).getTotalCount()).isEqualTo(1000);
        assertThat(latencies.get(0L).getValueAtPercentile(50)).isEqualTo(50);
        assertThat(latencies.get(0L).getMaxValue()).isEqualTo(100);
        assertThat(names.get(0L))
                .containsExactlyInAnyOrderEntriesOf(
                        java.util.Map.of("pod:web-a", 1000L, "node:node-1", 1000L, "client:10.0.0.1", 1000L));
        assertThat(names.get(2L)).containsExactlyEntriesOf(java.util.Map.of("error:timeout, after 3 s = too long", 1L));
        assertThat(latencies.get(2L).getMaxValue()).isBetween(2_997L, 3_003L);
        assertThat(names.get(-1L)).containsExactlyEntriesOf(java.util.Map.of("pod:web-b", 1L));
    }

    @Test
    void aNameThatDiffersEveryRequestIsCountedAsTheAgentKeepsIt() {
        // The first 200 names of the stream are told apart, in every line; the rest go under "(other)".
        OutcomeStream.Names clients = new OutcomeStream.Names();
        OutcomeStream.Second first = new OutcomeStream.Second(5);
        for (int i = 0; i < 300; i++) {
            first.add(ORIGIN + 5_000, 5, null, null, clients.kept("10.1.0." + i), null);
        }
        OutcomeStream.Second later = new OutcomeStream.Second(6);
        later.add(ORIGIN + 6_000, 5, null, null, clients.kept("10.1.0.7"), null);
        later.add(ORIGIN + 6_000, 5, null, null, clients.kept("10.2.0.1"), null);

        String other =
                Base64.getUrlEncoder().withoutPadding().encodeToString("(other)".getBytes(StandardCharsets.UTF_8));
        String[] firstClients = first.line().trim().split(" ")[7].split(",");
        assertThat(firstClients).hasSize(OutcomeStream.MAX_NAMES + 1).contains(other + "=100");
        assertThat(later.line().trim().split(" ")[7].split(","))
                .containsExactlyInAnyOrder(other + "=1", name("10.1.0.7") + "=1");
    }

    @Test
    void anInjectorPodSendsNumberedLinesHeartbeatsAndAnEndOnItsStandardOutput() throws Exception {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        java.io.PrintStream stdout = new java.io.PrintStream(bytes, true, StandardCharsets.US_ASCII);
        try (OutcomeStream stream = OutcomeStream.toStandardOutput(stdout, ORIGIN, true)) {
            stream.ready(ORIGIN);
            stdout.println("a line of Gatling's own");
            stream.record(ORIGIN + 10, 7, 200, "web-a", null, null, null);
            Thread.sleep(300);
            stream.record(ORIGIN + 1_010, 9, 503, null, null, null, "http-5xx");
        }
        List<String> lines = bytes.toString(StandardCharsets.US_ASCII).lines().toList();
        List<String> ours = lines.stream()
                .filter(l -> l.startsWith(OutcomeStream.POD_PREFIX))
                .map(l -> l.substring(OutcomeStream.POD_PREFIX.length()))
                .toList();
        assertThat(lines).contains("a line of Gatling's own");
        // Numbered from 0 without a gap, so the agent drops what it reads twice and nothing else.
        for (int i = 0; i < ours.size(); i++) {
            assertThat(ours.get(i)).startsWith(i + " ");
        }
        List<String> bodies =
                ours.stream().map(l -> l.substring(l.indexOf(' ') + 1)).toList();
        assertThat(bodies.get(0)).startsWith("R " + ORIGIN + " ");
        assertThat(bodies).filteredOn(b -> b.startsWith("T ")).hasSizeGreaterThanOrEqualTo(2);
        assertThat(bodies)
                .filteredOn(b -> b.startsWith("S "))
                .extracting(b -> b.split(" ")[1])
                .contains("0", "1");
        // Test mode: each request's start and latency too.
        assertThat(bodies).contains("Q " + (ORIGIN + 10) + " 7", "Q " + (ORIGIN + 1_010) + " 9");
        assertThat(bodies.get(bodies.size() - 1)).startsWith("E ");
        assertThat(bodies).filteredOn(b -> b.startsWith("E ")).hasSize(1);
    }

    private static String decoded(String name) {
        return new String(Base64.getUrlDecoder().decode(name), StandardCharsets.UTF_8);
    }

    private static String name(String s) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }
}
