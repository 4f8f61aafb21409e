package dev.aftershock.journal;

import java.util.Map;

/** The experiment as run: its identity, the seed actually used, and the file's text. */
public record ExperimentInfo(
        String name,
        String description,
        Map<String, String> labels,
        String file,
        long seed,
        long durationMs,
        String targetNamespace,
        String targetWorkload,
        String source) {
    public ExperimentInfo {
        labels = Map.copyOf(labels);
    }
}
