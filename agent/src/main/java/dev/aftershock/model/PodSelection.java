package dev.aftershock.model;

import java.util.Map;

/** Which pods a pod fault acts on; the namespace defaults to the target's. */
public record PodSelection(String namespace, Map<String, String> selector, Pick pick) {
    public PodSelection {
        selector = Map.copyOf(selector);
    }
}
