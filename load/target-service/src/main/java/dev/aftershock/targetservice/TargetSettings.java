package dev.aftershock.targetservice;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/** What the target reads from its environment (set by the pod spec, the downward API among it). */
record TargetSettings(
        int port,
        String pod,
        String node,
        boolean readyAtStart,
        Optional<Path> eventLog,
        long shutdownDelayMs,
        int drainTimeoutSeconds,
        int holdMib,
        int holdRateMibPerSecond,
        OnSigterm onSigterm) {

    /**
     * What the service does on SIGTERM, so that tests can make both good and bad shutdowns: drain
     * (stop being ready, wait SHUTDOWN_DELAY_MS while still serving, then let in-flight requests
     * finish), exit (at once: connections still coming in are refused), ignore (go on serving until
     * the kubelet's SIGKILL at the end of the grace period).
     */
    enum OnSigterm {
        DRAIN,
        EXIT,
        IGNORE
    }

    static TargetSettings fromEnvironment(Map<String, String> env) {
        return new TargetSettings(
                intValue(env, "PORT", 8080),
                env.getOrDefault("POD_NAME", env.getOrDefault("HOSTNAME", "unknown")),
                env.getOrDefault("NODE_NAME", "unknown"),
                !"false".equalsIgnoreCase(env.getOrDefault("READY", "true")),
                Optional.ofNullable(env.get("EVENT_LOG"))
                        .filter(s -> !s.isBlank())
                        .map(Path::of),
                intValue(env, "SHUTDOWN_DELAY_MS", 0),
                intValue(env, "DRAIN_TIMEOUT_SECONDS", 20),
                intValue(env, "HOLD_MIB", 0),
                intValue(env, "HOLD_RATE_MIB_PER_SECOND", 0),
                onSigterm(env.getOrDefault("ON_SIGTERM", "drain")));
    }

    private static OnSigterm onSigterm(String value) {
        try {
            return OnSigterm.valueOf(value.trim().toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("ON_SIGTERM must be drain, exit or ignore, not '" + value + "'", e);
        }
    }

    private static int intValue(Map<String, String> env, String name, int fallback) {
        var value = env.get(name);
        if (value == null || value.isBlank()) {
            return fallback;
        }
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a whole number, not '" + value + "'", e);
        }
    }
}
