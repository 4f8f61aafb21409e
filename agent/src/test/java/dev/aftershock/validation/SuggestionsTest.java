package dev.aftershock.validation;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class SuggestionsTest {
    private static final List<String> FIELDS = List.of("evictionTimeout", "gracePeriod", "for", "force", "at");

    @Test
    void suggestsTheNearestFieldForATypo() {
        assertThat(Suggestions.closest("evictionTimout", FIELDS)).contains("evictionTimeout");
        assertThat(Suggestions.closest("gracePeriode", FIELDS)).contains("gracePeriod");
        assertThat(Suggestions.closest("froce", FIELDS)).contains("force");
    }

    @Test
    void staysQuietWhenNothingIsClose() {
        assertThat(Suggestions.closest("replicas", FIELDS)).isEmpty();
    }
}
