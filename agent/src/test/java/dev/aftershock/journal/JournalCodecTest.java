package dev.aftershock.journal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aftershock.report.SampleJournals;
import org.junit.jupiter.api.Test;

class JournalCodecTest {
    @Test
    void aJournalSurvivesTheRoundTrip() {
        Journal journal = SampleJournals.abortedWithFailedRecovery();
        assertThat(JournalCodec.fromJson(JournalCodec.toJson(journal), "test")).isEqualTo(journal);
    }

    @Test
    void namesItsFormatVersion() {
        assertThat(JournalCodec.toJson(SampleJournals.passing()))
                .contains("\"format\" : \"aftershock.dev/journal/v1\"");
    }

    @Test
    void refusesAnotherFormat() {
        assertThatThrownBy(() -> JournalCodec.fromJson("{\"format\": \"aftershock.dev/journal/v9\"}", "j.json"))
                .hasMessage(
                        "j.json: not an Aftershock journal of format aftershock.dev/journal/v1 (format: aftershock.dev/journal/v9)");
        assertThatThrownBy(() -> JournalCodec.fromJson("[1, 2", "j.json")).hasMessageStartingWith("j.json: not JSON");
    }
}
