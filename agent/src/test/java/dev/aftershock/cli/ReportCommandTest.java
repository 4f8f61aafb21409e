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

    @Test
    void aJournalThatIsNotUtf8OrTooLargeIsInvalidInputWithTheReason(@TempDir Path dir) throws Exception {
        Path latin1 = Files.write(dir.resolve("latin1.json"), new byte[] {'{', '"', (byte) 0xe9, '"', '}'});
        CliRun notUtf8 = CliRun.of("report", latin1.toString());
        assertThat(notUtf8.exitCode()).isEqualTo(2);
        assertThat(notUtf8.err()).contains("not UTF-8");

        Path huge = dir.resolve("huge.json");
        try (var file = java.nio.channels.FileChannel.open(
                huge, java.nio.file.StandardOpenOption.CREATE_NEW, java.nio.file.StandardOpenOption.WRITE)) {
            // Sparse: the size is what is checked, before anything is read.
            file.write(java.nio.ByteBuffer.wrap(new byte[] {' '}), JournalCodec.LARGEST + 1);
        }
        CliRun tooLarge = CliRun.of("report", huge.toString());
        assertThat(tooLarge.exitCode()).isEqualTo(2);
        assertThat(tooLarge.err()).contains("larger than a journal can be");
    }
}
