package dev.aftershock.model;

import java.util.Locale;

public record WorkloadRef(Kind kind, String name) {
    public enum Kind {
        DEPLOYMENT,
        STATEFULSET;

        public String word() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Parses {@code kind/name}; the schema has already checked the shape. */
    public static WorkloadRef parse(String text) {
        int slash = text.indexOf('/');
        return new WorkloadRef(
                Kind.valueOf(text.substring(0, slash).toUpperCase(Locale.ROOT)), text.substring(slash + 1));
    }

    @Override
    public String toString() {
        return kind.word() + "/" + name;
    }
}
