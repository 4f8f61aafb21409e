package dev.aftershock.kube;

import io.kubernetes.client.custom.IntOrString;
import io.kubernetes.client.openapi.models.V1Deployment;
import io.kubernetes.client.openapi.models.V1StatefulSet;

/** What a workload's own rollout strategy lets a restart do: how many pods down at once, or nothing. */
final class RolloutStrategies {
    private RolloutStrategies() {}

    /** Recreate: all of them; RollingUpdate: its maxUnavailable (25 % by default, rounded down as the controller does). */
    static int unavailable(V1Deployment d, int replicas) {
        var strategy = d.getSpec().getStrategy();
        if (strategy != null && "Recreate".equals(strategy.getType())) {
            return replicas;
        }
        IntOrString max = strategy == null || strategy.getRollingUpdate() == null
                ? null
                : strategy.getRollingUpdate().getMaxUnavailable();
        if (max == null) {
            return replicas * 25 / 100;
        }
        if (max.isInteger()) {
            return max.getIntValue();
        }
        String text = max.getStrValue().strip();
        if (text.endsWith("%")) {
            return replicas * Integer.parseInt(text.substring(0, text.length() - 1)) / 100;
        }
        return Integer.parseInt(text);
    }

    /** One at a time (its maxUnavailable when set). */
    static int unavailable(V1StatefulSet s) {
        var strategy = s.getSpec().getUpdateStrategy();
        IntOrString max = strategy == null || strategy.getRollingUpdate() == null
                ? null
                : strategy.getRollingUpdate().getMaxUnavailable();
        return max != null && max.isInteger() ? max.getIntValue() : 1;
    }

    static String refusal(V1Deployment d) {
        return Boolean.TRUE.equals(d.getSpec().getPaused())
                ? "it is paused (kubectl refuses to restart it too): its pods would roll only once someone resumes it"
                : "";
    }

    static String refusal(V1StatefulSet s) {
        var strategy = s.getSpec().getUpdateStrategy();
        if (strategy != null && "OnDelete".equals(strategy.getType())) {
            return "its update strategy is OnDelete: no pod rolls until each is deleted";
        }
        if (strategy != null
                && strategy.getRollingUpdate() != null
                && strategy.getRollingUpdate().getPartition() != null
                && strategy.getRollingUpdate().getPartition() > 0) {
            return "its rolling update has partition %d: the pods below it would not roll"
                    .formatted(strategy.getRollingUpdate().getPartition());
        }
        return "";
    }
}
