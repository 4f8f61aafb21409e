package dev.aftershock.model;

import java.util.Map;
import java.util.Optional;

public record Metadata(String name, Optional<String> description, Map<String, String> labels) {
    public Metadata {
        labels = Map.copyOf(labels);
    }
}
