package dev.aftershock.model;

/** One experiment file, validated and bound. */
public record Experiment(String apiVersion, Metadata metadata, Spec spec) {
    public static final String API_VERSION = "aftershock.dev/v1alpha1";
    public static final String KIND = "Experiment";

    public String name() {
        return metadata.name();
    }
}
