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
        int holdRateMibPerSecond) {

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
                intValue(env, "HOLD_RATE_MIB_PER_SECOND", 0));
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
