package dev.aftershock.journal;

import java.util.List;

/** One fault of the timeline and what happened to each of its targets. */
public record FaultRecord(String name, String action, long atMs, Long holdForMs, List<TargetRecord> targets) {
    public FaultRecord {
        targets = List.copyOf(targets);
    }

    /** When the first target was injected, or null if none was. */
    public Long firstInjectedMs() {
        return targets.stream()
                .map(TargetRecord::injectedAtMs)
                .filter(java.util.Objects::nonNull)
                .min(Long::compare)
                .orElse(null);
    }

    /** When the last target was recovered, or null if any injected target is not recovered. */
    public Long lastRecoveredMs() {
        long last = Long.MIN_VALUE;
        for (TargetRecord t : targets) {
            if (t.injectedAtMs() == null) {
                continue;
            }
            if (t.recoveredAtMs() == null) {
                return null;
            }
            last = Math.max(last, t.recoveredAtMs());
        }
        return last == Long.MIN_VALUE ? null : last;
    }
}
