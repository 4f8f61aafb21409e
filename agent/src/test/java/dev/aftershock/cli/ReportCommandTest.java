package dev.aftershock.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aftershock.journal.JournalCodec;
import dev.aftershock.report.SampleJournals;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportCommandTest {
    @Test
    void rendersAJournalAgainBesideIt(@TempDir Path dir) throws Exception {
        Path journal = dir.resolve("journal.json");
        JournalCodec.write(SampleJournals.failedHypothesis(), journal);

        CliRun run = CliRun.of("report", journal.toString());

        assertThat(run.exitCode()).isZero();
        assertThat(run.out().strip()).isEqualTo("report: " + dir.resolve("report.html"));
        assertThat(Files.readString(dir.resolve("report.html"))).contains("users-barely-notice");
        assertThat(Files.readString(dir.resolve("junit.xml"))).contains("<failure");
    }

    @Test
    void aFileThatIsNotAJournalIsInvalidInput(@TempDir Path dir) throws Exception {
        Path notJournal = Files.writeString(dir.resolve("x.json"), "{\"hello\": 1}");
        CliRun run = CliRun.of("report", notJournal.toString());
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("not an Aftershock journal");
    }

    @Test
    void aMissingJournalIsInvalidInput() {
        assertThat(CliRun.of("report", "no/journal.json").exitCode()).isEqualTo(2);
    }
}
