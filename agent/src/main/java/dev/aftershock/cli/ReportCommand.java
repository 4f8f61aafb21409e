package dev.aftershock.cli;

import dev.aftershock.journal.Journal;
import dev.aftershock.journal.JournalCodec;
import dev.aftershock.report.ReportFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(
        name = "report",
        mixinStandardHelpOptions = true,
        description = {
            "Renders a run's journal.json again as report.html and junit.xml (for example after an upgrade).",
            "Touches no cluster."
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:the report was written",
            "2:the journal is missing or not a journal",
            "3:the report could not be written"
        })
final class ReportCommand implements Callable<Integer> {
    @ParentCommand
    AftershockCommand parent;

    @Parameters(paramLabel = "JOURNAL", description = "A journal.json written by `aftershock run`.")
    Path journal;

    @Option(
            names = "--out",
            paramLabel = "DIR",
            description = "Where to write the report (default: beside the journal).")
    Path out;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        var err = spec.commandLine().getErr();
        if (!Files.isRegularFile(journal)) {
            err.println(journal + ": no such file");
            return ExitCode.INVALID_INPUT.code();
        }
        Journal read;
        try {
            read = JournalCodec.read(journal);
        } catch (IllegalArgumentException e) {
            err.println(e.getMessage());
            return ExitCode.INVALID_INPUT.code();
        }
        Path dir = out != null ? out : journal.toAbsolutePath().getParent();
        Path html = ReportFiles.writeRenderings(read, dir);
        spec.commandLine().getOut().println("report: " + html);
        return ExitCode.PASSED.code();
    }
}
