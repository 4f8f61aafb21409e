package dev.aftershock.model;

import java.util.Optional;

/** When injected faults are reverted at the end of a run. */
public enum Rollback {
    ALWAYS("always"),
    ON_FAILURE("on-failure"),
    NEVER("never");

    private final String word;

    Rollback(String word) {
        this.word = word;
    }

    public String word() {
        return word;
    }

    public static Optional<Rollback> fromWord(String word) {
        for (Rollback r : values()) {
            if (r.word.equals(word)) {
                return Optional.of(r);
            }
        }
        return Optional.empty();
    }
}
