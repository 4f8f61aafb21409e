package dev.aftershock.evaluation;

/**
 * One request as the load driver saw it: when it started (epoch ms), how long it took, the HTTP
 * status (0 when no response came), who answered (pod and node) and the client address the pod
 * saw, as the target said in its response headers (null when it did not), and the error kind when
 * it failed (null if not).
 */
public record Outcome(long startMs, long latencyMs, int status, String pod, String node, String error, String client) {
    /** Without the client address the pod saw. */
    public Outcome(long startMs, long latencyMs, int status, String pod, String node, String error) {
        this(startMs, latencyMs, status, pod, node, error, null);
    }

    public boolean failed() {
        return error != null;
    }

    /** Parses the driver's line: {@code startMs latencyMs status pod node error [client]}, "-" for none. */
    public static Outcome parse(String line) {
        String[] w = line.trim().split(" ");
        if (w.length != 6 && w.length != 7) {
            throw new IllegalArgumentException("not an outcome line: " + line);
        }
        return new Outcome(
                Long.parseLong(w[0]),
                Long.parseLong(w[1]),
                Integer.parseInt(w[2]),
                none(w[3]),
                none(w[4]),
                none(w[5]),
                w.length == 7 ? none(w[6]) : null);
    }

    private static String none(String word) {
        return word.equals("-") ? null : word;
    }
}
