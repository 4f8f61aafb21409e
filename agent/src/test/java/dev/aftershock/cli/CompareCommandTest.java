package dev.aftershock.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aftershock.journal.JournalCodec;
import dev.aftershock.report.SampleJournals;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CompareCommandTest {
    @Test
    void writesOnePageWithBothRuns(@TempDir Path dir) throws Exception {
        Path a = dir.resolve("a.json");
        Path b = dir.resolve("b.json");
        JournalCodec.write(SampleJournals.withTraffic(true), a);
        JournalCodec.write(SampleJournals.withTraffic(false), b);
        Path page = dir.resolve("out/ab.html");

        CliRun run = CliRun.of("compare", a.toString(), b.toString(), "--out", page.toString());

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out().strip()).isEqualTo("compare: " + page);
        assertThat(Files.readString(page)).contains("(A) and", "even-spread", "a-chart-", "b-chart-");
    }

    @Test
    void aMissingOrBrokenJournalIsInvalidInput(@TempDir Path dir) throws Exception {
        Path a = dir.resolve("a.json");
        JournalCodec.write(SampleJournals.passing(), a);
        Path broken = Files.writeString(dir.resolve("x.json"), "{\"hello\": 1}");

        assertThat(CliRun.of("compare", a.toString(), "no/journal.json").exitCode())
                .isEqualTo(2);
        CliRun notJournal = CliRun.of(
                "compare",
                broken.toString(),
                a.toString(),
                "--out",
                dir.resolve("c.html").toString());
        assertThat(notJournal.exitCode()).isEqualTo(2);
        assertThat(notJournal.err()).contains("not an Aftershock journal");
        assertThat(dir.resolve("c.html")).doesNotExist();
    }
}
