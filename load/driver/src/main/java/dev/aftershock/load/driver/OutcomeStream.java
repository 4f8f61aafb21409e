package dev.aftershock.load.driver;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.TreeMap;
import org.HdrHistogram.Histogram;

/**
 * The requests' outcomes, aggregated, over a loopback socket the agent listens on. Every 100 ms,
 * one line per second of the run that requests completed for since the last one (a second is
 * counted from {@code originMs}, by when its requests started):
 *
 * <pre>S second firstStartMs latencies errors pods nodes clients</pre>
 *
 * {@code latencies}: an HdrHistogram of the latencies in ms (three significant digits), compressed
 * and in Base64; each of the others is {@code -} or {@code name=count} pairs joined by commas, each
 * name in URL-safe Base64 (an error message may hold any character). Nothing is kept or sent per
 * request: at 20,000 requests a second the stream is a few lines a second, and lines of the same
 * second add up (histograms merge exactly), so the agent sees the run as it goes.
 *
 * <p>An injector pod has no socket to the agent (the agent may run outside the cluster): it writes
 * the same lines to its standard output, which the agent follows through the API server, each
 * prefixed with {@code @aftershock <seq> } (Gatling's own console lines share that output; the
 * sequence number lets the agent drop lines it sees twice when it follows the log again). Every
 * flush also writes {@code T <epochMs>}, a heartbeat with the injector's clock: the agent knows
 * a silent injector from an idle one, and bounds the injector's clock skew by when the line
 * arrives. In test mode ({@code recordRequests}) each request also goes out as
 * {@code Q <startMs> <latencyMs>}, so a test can compare the merged percentiles with the exact ones.
 */
public final class OutcomeStream implements AutoCloseable {
    /** As the agent's recorder keeps them: exact to the ms up to 2,047 ms, within 0.1 % above. */
    static final int LATENCY_DIGITS = 3;

    private static final long FLUSH_EVERY_MS = 100;

    /** The agent's cap on names it tells apart (its LoadRecorder.MAX_SERVED_NAMES), and what the rest go under. */
    static final int MAX_NAMES = 200;

    static final String OTHER = "(other)";

    /** What a pod's stream lines start with, before their sequence number. */
    public static final String POD_PREFIX = "@aftershock ";

    private final java.io.Closeable sink;
    private final Writer out;
    /**
     * Pod mode: the standard output Gatling's console lines go to as well. Each of our lines is one
     * print on that same PrintStream, under its lock, so no line of Gatling's lands inside one of ours.
     */
    private final java.io.PrintStream console;

    private final long originMs;
    /** Pod mode: lines prefixed and numbered, heartbeats sent. */
    private final boolean pod;
    /** Test mode: every request's start and latency, sent at the next flush; guarded by pending. */
    private final java.util.List<long[]> requests;

    private long sequence;
    private final Thread flusher;
    /** The seconds heard from since the last flush; guarded by itself. */
    private final Map<Long, Second> pending = new TreeMap<>();

    private volatile boolean closed;
    private final java.util.concurrent.atomic.AtomicBoolean ending = new java.util.concurrent.atomic.AtomicBoolean();

    private OutcomeStream(
            java.io.OutputStream to, java.io.Closeable sink, long originMs, boolean pod, boolean recordRequests) {
        this.console = pod ? (java.io.PrintStream) to : null;
        this.sink = sink;
        this.originMs = originMs;
        this.pod = pod;
        this.requests = recordRequests ? new java.util.ArrayList<>() : null;
        this.out = new BufferedWriter(new OutputStreamWriter(to, StandardCharsets.US_ASCII), 1 << 16);
        this.flusher = Thread.ofPlatform().daemon().name("outcome-flusher").start(this::flushPeriodically);
    }

    public static OutcomeStream connect(String hostAndPort, long originMs) {
        int colon = hostAndPort.lastIndexOf(':');
        try {
            Socket s = new Socket();
            s.setTcpNoDelay(true);
            s.connect(
                    new InetSocketAddress(
                            hostAndPort.substring(0, colon), Integer.parseInt(hostAndPort.substring(colon + 1))),
                    5_000);
            return onExitFlushed(new OutcomeStream(s.getOutputStream(), s, originMs, false, false));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot reach the agent's outcome socket " + hostAndPort, e);
        }
    }

    /** An injector pod's stream, on {@code stdout} (System.out, not closed at the end). */
    public static OutcomeStream toStandardOutput(java.io.PrintStream stdout, long originMs, boolean recordRequests) {
        return onExitFlushed(new OutcomeStream(stdout, () -> stdout.flush(), originMs, true, recordRequests));
    }

    private static OutcomeStream onExitFlushed(OutcomeStream stream) {
        // Stopped by a signal, Gatling skips after(): what is gathered still reaches the agent.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> stream.close(SIGNALLED), "outcome-flush-on-exit"));
        return stream;
    }

    /** Pod mode: the injector has booted and waits for its start (the agent waits for every injector's). */
    public void ready(long startAtMs) {
        try {
            synchronized (out) {
                write("R " + startAtMs + " " + System.currentTimeMillis() + "\n");
                out.flush();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void write(String line) throws IOException {
        if (pod) {
            console.print(POD_PREFIX + sequence++ + " " + line);
            console.flush();
            return;
        }
        out.write(line);
    }

    public void record(long startMs, long latencyMs, int status, String pod, String node, String client, String error) {
        long second = Math.floorDiv(startMs - originMs, 1000);
        synchronized (pending) {
            if (requests != null) {
                requests.add(new long[] {startMs, latencyMs});
            }
            pending.computeIfAbsent(second, Second::new)
                    .add(
                            startMs,
                            latencyMs,
                            pods.kept(pod),
                            nodes.kept(node),
                            clients.kept(client),
                            errors.kept(error));
        }
    }

    private final Names pods = new Names();
    private final Names nodes = new Names();
    private final Names clients = new Names();
    private final Names errors = new Names();

    /**
     * The names of one kind told apart over the whole stream, as the agent's recorder keeps them: the
     * first {@link #MAX_NAMES}, the rest as {@link #OTHER}. Capped here too, so a header that changes
     * every request does not make the lines grow with the requests; over the whole stream, not per
     * line, so a name the agent keeps is never folded here. Guarded by the stream's pending map.
     */
    static final class Names {
        private final java.util.Set<String> kept = new java.util.HashSet<>();

        String kept(String name) {
            if (name == null || name.isEmpty() || kept.contains(name)) {
                return name;
            }
            if (kept.size() >= MAX_NAMES) {
                return OTHER;
            }
            kept.add(name);
            return name;
        }
    }

    /** One second's outcomes heard since the last flush. */
    static final class Second {
        final long second;
        long firstStartMs = Long.MAX_VALUE;
        final Histogram latencies = new Histogram(LATENCY_DIGITS);
        final Map<String, Long> errors = new TreeMap<>();
        final Map<String, Long> pods = new TreeMap<>();
        final Map<String, Long> nodes = new TreeMap<>();
        final Map<String, Long> clients = new TreeMap<>();

        Second(long second) {
            this.second = second;
        }

        void add(long startMs, long latencyMs, String pod, String node, String client, String error) {
            firstStartMs = Math.min(firstStartMs, startMs);
            latencies.recordValue(Math.max(0, latencyMs));
            count(errors, error);
            count(pods, pod);
            count(nodes, node);
            count(clients, client);
        }

        private static void count(Map<String, Long> counts, String name) {
            if (name != null && !name.isEmpty()) {
                counts.merge(name, 1L, Long::sum);
            }
        }

        String line() {
            ByteBuffer buffer = ByteBuffer.allocate(latencies.getNeededByteBufferCapacity());
            int length = latencies.encodeIntoCompressedByteBuffer(buffer);
            return "S " + second + " " + firstStartMs + " "
                    + Base64.getEncoder().encodeToString(java.util.Arrays.copyOf(buffer.array(), length)) + " "
                    + counts(errors) + " " + counts(pods) + " " + counts(nodes) + " " + counts(clients) + "\n";
        }

        private static String counts(Map<String, Long> counts) {
            if (counts.isEmpty()) {
                return "-";
            }
            StringBuilder s = new StringBuilder();
            counts.forEach((name, n) -> s.append(s.isEmpty() ? "" : ",")
                    .append(Base64.getUrlEncoder()
                            .withoutPadding()
                            .encodeToString(name.getBytes(StandardCharsets.UTF_8)))
                    .append('=')
                    .append(n));
            return s.toString();
        }
    }

    private void flush() throws IOException {
        Map<Long, Second> heard;
        java.util.List<long[]> each = java.util.List.of();
        synchronized (pending) {
            heard = new TreeMap<>(pending);
            pending.clear();
            if (requests != null) {
                each = new java.util.ArrayList<>(requests);
                requests.clear();
            }
        }
        synchronized (out) {
            for (long[] r : each) {
                write("Q " + r[0] + " " + r[1] + "\n");
            }
            for (Second s : heard.values()) {
                write(s.line());
            }
            if (pod) {
                write("T " + System.currentTimeMillis() + "\n");
            }
            out.flush();
        }
    }

    private void flushPeriodically() {
        while (!closed) {
            try {
                Thread.sleep(FLUSH_EVERY_MS);
                flush();
            } catch (InterruptedException | IOException e) {
                return;
            }
        }
    }

    /** How an injector's stream ended: its plan played out (Gatling's after()), or a signal stopped it. */
    static final String PLAYED = "played";

    static final String SIGNALLED = "signalled";

    @Override
    public void close() {
        close(PLAYED);
    }

    /** Ends the stream; an injector's last line says how ({@link #PLAYED} or {@link #SIGNALLED}). */
    public void close(String how) {
        // Gatling's after() and the exit hook both close: the stream ends once.
        if (ending.getAndSet(true)) {
            return;
        }
        closed = true;
        flusher.interrupt();
        // A flush of the flusher's own may be writing what it took: let it finish before the socket
        // closes (even if this thread was interrupted: Gatling's end or a signal's hook).
        boolean interrupted = false;
        long until = System.nanoTime() + 5_000_000_000L;
        while (flusher.isAlive() && System.nanoTime() < until) {
            try {
                flusher.join(100);
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        try {
            if (!flusher.isAlive()) {
                flush();
                if (pod) {
                    // The injector's last word: everything it sent has been sent.
                    synchronized (out) {
                        write("E " + System.currentTimeMillis() + " " + how + "\n");
                        out.flush();
                    }
                }
            }
        } catch (IOException e) {
            // The agent has gone; what it read is what it has.
        } finally {
            try {
                // Not under the writer's lock: a flusher stuck writing to an agent that stopped reading must not hold
                // this up.
                sink.close();
            } catch (IOException e) {
                // Closing at the end of the run; the agent reads to end of stream either way.
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
