package dev.aftershock.evaluation;

/**
 * One request as the load driver saw it: when it started (epoch ms), how long it took, the HTTP
 * status (0 when no response came), who answered (pod and node) and the client address the pod
 * saw, as the target said in its response headers (null when it did not), and the error kind when
 * it failed (null if not). Drivers send requests aggregated ({@link LoadFrame}); this is one
 * request's, for tests and benchmarks.
 */
public record Outcome(long startMs, long latencyMs, int status, String pod, String node, String error, String client) {
    /** Without the client address the pod saw. */
    public Outcome(long startMs, long latencyMs, int status, String pod, String node, String error) {
        this(startMs, latencyMs, status, pod, node, error, null);
    }

    public boolean failed() {
        return error != null;
    }
}
