package dev.aftershock.cli;

import dev.aftershock.validation.ExperimentLoader;
import dev.aftershock.validation.Problem;
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
}
