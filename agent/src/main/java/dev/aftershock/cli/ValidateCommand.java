package dev.aftershock.cli;

import dev.aftershock.validation.ExperimentLoader;
import dev.aftershock.validation.Problem;
import dev.aftershock.validation.ScheduleLoader;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(
        name = "validate",
        mixinStandardHelpOptions = true,
        description = {
            "Checks experiment files completely (YAML, schema, meaning) without touching a cluster.",
            "Every problem is printed as FILE:LINE:COL: message."
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:every file is valid", "2:at least one file is invalid, or bad usage"})
final class ValidateCommand implements Callable<Integer> {
    @ParentCommand
    AftershockCommand parent;

    @Parameters(arity = "1..*", paramLabel = "FILE", description = "Experiment files (YAML).")
    List<Path> files;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        var out = spec.commandLine().getOut();
        var err = spec.commandLine().getErr();
        int invalid = 0;
        for (Path file : files) {
            // On this thread: validation needs no cluster and no server, so it starts neither Vert.x nor a client.
            if (isSchedule(file)) {
                switch (ScheduleLoader.load(file.toString(), readBounded(file))) {
                    case ScheduleLoader.Loaded loaded ->
                        out.printf(
                                "%s: valid (schedule %s: %s at \"%s\" %s)%n",
                                file,
                                loaded.schedule().name(),
                                loaded.schedule().experiment(),
                                loaded.schedule().cron(),
                                loaded.schedule().timeZone());
                    case ScheduleLoader.Rejected rejected -> {
                        invalid++;
                        rejected.problems().forEach(err::println);
                    }
                }
                continue;
            }
            var result = ExperimentLoader.load(file);
            switch (result) {
                case ExperimentLoader.Loaded loaded -> {
                    var s = loaded.experiment().spec();
                    out.printf(
                            "%s: valid (%s: %d fault%s, %d hypothes%s)%n",
                            file,
                            loaded.experiment().name(),
                            s.faults().size(),
                            s.faults().size() == 1 ? "" : "s",
                            s.hypotheses().size(),
                            s.hypotheses().size() == 1 ? "is" : "es");
                }
                case ExperimentLoader.Rejected rejected -> {
                    invalid++;
                    for (Problem p : rejected.problems()) {
                        err.println(p);
                    }
                }
            }
        }
        if (invalid > 0) {
            err.printf("%d of %d file%s invalid%n", invalid, files.size(), files.size() == 1 ? "" : "s");
            return ExitCode.INVALID_INPUT.code();
        }
        return ExitCode.PASSED.code();
    }

    /** A schedule says {@code kind: Schedule}; anything else (an experiment, or nothing readable) is an experiment's to judge. */
    private static boolean isSchedule(Path file) {
        byte[] bytes = readBounded(file);
        return bytes != null && ScheduleLoader.isSchedule(bytes);
    }

    private static byte[] readBounded(Path file) {
        try (var in = java.nio.file.Files.newInputStream(file)) {
            byte[] bytes = in.readNBytes(dev.aftershock.validation.YamlDocumentReader.MAX_BYTES + 1);
            return bytes.length > dev.aftershock.validation.YamlDocumentReader.MAX_BYTES ? null : bytes;
        } catch (java.io.IOException e) {
            return null;
        }
    }
}
