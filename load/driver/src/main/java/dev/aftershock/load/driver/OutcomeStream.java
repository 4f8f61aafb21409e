package dev.aftershock.load.driver;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * Each request's outcome, one line as it completes, over a loopback socket the agent listens on:
 * {@code startEpochMs latencyMs status pod node error} ("-" for none). Buffered and flushed every
 * 50 ms, so the agent sees the run as it goes without a write per request.
 */
public final class OutcomeStream implements AutoCloseable {
    private final Socket socket;
    private final Writer out;
    private final Thread flusher;
    private volatile boolean closed;

    private OutcomeStream(Socket socket) throws IOException {
        this.socket = socket;
        this.out = new BufferedWriter(
                new OutputStreamWriter(socket.getOutputStream(), StandardCharsets.US_ASCII), 1 << 16);
        this.flusher = Thread.ofPlatform().daemon().name("outcome-flusher").start(this::flushPeriodically);
    }

    public static OutcomeStream connect(String hostAndPort) {
        int colon = hostAndPort.lastIndexOf(':');
        try {
            Socket s = new Socket();
            s.setTcpNoDelay(true);
            s.connect(
                    new InetSocketAddress(
                            hostAndPort.substring(0, colon), Integer.parseInt(hostAndPort.substring(colon + 1))),
                    5_000);
            OutcomeStream stream = new OutcomeStream(s);
            // Stopped by a signal, Gatling skips after(): what is buffered still reaches the agent.
            Runtime.getRuntime().addShutdownHook(new Thread(stream::close, "outcome-flush-on-exit"));
            return stream;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot reach the agent's outcome socket " + hostAndPort, e);
        }
    }

    public void record(long startMs, long latencyMs, int status, String pod, String node, String client, String error) {
        String line = startMs + " " + latencyMs + " " + status + " " + word(pod) + " " + word(node) + " " + word(error)
                + " " + word(client) + "\n";
        synchronized (out) {
            try {
                out.write(line);
            } catch (IOException e) {
                // The agent has gone: the run is over for it; nothing useful to do with the outcome.
            }
        }
    }

    private static String word(String s) {
        return s == null || s.isEmpty() ? "-" : s.replace(' ', '_');
    }

    private void flushPeriodically() {
        while (!closed) {
            try {
                Thread.sleep(50);
                synchronized (out) {
                    out.flush();
                }
            } catch (InterruptedException e) {
                return;
            } catch (IOException e) {
                return;
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        flusher.interrupt();
        synchronized (out) {
            try {
                out.flush();
                socket.close();
            } catch (IOException e) {
                // Closing at the end of the run; the agent reads to end of stream either way.
            }
        }
    }
}
