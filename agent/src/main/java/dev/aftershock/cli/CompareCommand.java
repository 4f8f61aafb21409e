package dev.aftershock.cli;

import dev.aftershock.journal.Journal;
import dev.aftershock.journal.JournalCodec;
import dev.aftershock.report.HtmlReport;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
        name = "compare",
        mixinStandardHelpOptions = true,
        description = {
            "Renders two runs' journals side by side as one offline HTML page: verdicts, hypotheses,"
                    + " latency, errors, traffic shares, autoscaler timelines and charts.",
            "For A/B questions (externalTrafficPolicy Local against Cluster, a setting before and after)."
                    + " Touches no cluster."
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:the page was written",
            "2:a journal is missing or not a journal",
            "3:the page could not be written"
        })
final class CompareCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "JOURNAL_A", description = "The first run's journal.json (left).")
    Path a;

    @Parameters(index = "1", paramLabel = "JOURNAL_B", description = "The second run's journal.json (right).")
    Path b;

    @Option(
            names = "--out",
            paramLabel = "FILE",
            description = "Where to write the page (default: compare.html in the working directory).")
    Path out = Path.of("compare.html");

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        Optional<Journal> ja = read(a);
        Optional<Journal> jb = read(b);
        if (ja.isEmpty() || jb.isEmpty()) {
            return ExitCode.INVALID_INPUT.code();
        }
        try {
            Path parent = out.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Files.writeString(out, HtmlReport.compare(ja.get(), jb.get()), StandardCharsets.UTF_8);
        } catch (IOException e) {
            spec.commandLine().getErr().println("cannot write " + out + ": " + e.getMessage());
            return ExitCode.ABORTED.code();
        }
        spec.commandLine().getOut().println("compare: " + out.toAbsolutePath());
        return ExitCode.PASSED.code();
    }

    private Optional<Journal> read(Path journal) {
        var err = spec.commandLine().getErr();
        if (!Files.isRegularFile(journal)) {
            err.println(journal + ": no such file");
            return Optional.empty();
        }
        try {
            return Optional.of(JournalCodec.read(journal));
        } catch (IllegalArgumentException | java.io.UncheckedIOException e) {
            // Not a journal, or a file that cannot be read: invalid input either way.
            err.println(e.getMessage());
            return Optional.empty();
        }
    }
}
