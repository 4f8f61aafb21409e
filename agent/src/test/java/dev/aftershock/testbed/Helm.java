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
 * The Helm CLI that testbed/build makes from Go modules (pinned in testbed/versions.env), built on
 * first use and cached with the testbed's other binaries; and the project's chart.
 */
public final class Helm {
    public static final Path CHART = RepositoryPaths.root().resolve("charts/aftershock");
    private static Path binary;

    private Helm() {}

    /** What one helm command printed and how it exited. */
    public record Result(int exitCode, String stdout, String stderr) {
        public Result orThrow() {
            if (exitCode != 0) {
                throw new IllegalStateException("helm exited " + exitCode + ": " + stderr + stdout);
            }
            return this;
        }
    }

    public static synchronized Path binary() {
        if (binary == null) {
            Path helm = Testbed.cache().resolve("helm-" + Testbed.version("HELM_VERSION") + "/bin/helm");
            // Asked every time (once per JVM), never judged by the file: scripts/test may be building
            // it in the background, and testbed/build waits for that build (its lock) then says cached.
            Testbed.Script built = Testbed.run("build", Duration.ofMinutes(15), "helm");
            if (built.exitCode() != 0 || !Files.isExecutable(helm)) {
                throw new IllegalStateException("testbed/build helm failed; see " + built.log());
            }
            binary = helm;
        }
        return binary;
    }

    /** Runs helm with these arguments (and the environment given, KUBECONFIG say), within 10 minutes. */
    public static Result run(List<String> env, String... args) {
        List<String> command = new ArrayList<>(List.of(binary().toString()));
        command.addAll(List.of(args));
        try {
            ProcessBuilder builder = new ProcessBuilder(command);
            // Helm's caches and config under the build's target/, never the user's home.
            Path home = RepositoryPaths.root().resolve("agent/target/helm-home");
            builder.environment().put("HELM_CACHE_HOME", home.resolve("cache").toString());
            builder.environment().put("HELM_CONFIG_HOME", home.resolve("config").toString());
            builder.environment().put("HELM_DATA_HOME", home.resolve("data").toString());
            for (String kv : env) {
                int eq = kv.indexOf('=');
                builder.environment().put(kv.substring(0, eq), kv.substring(eq + 1));
            }
            Path err = Files.createTempFile("helm", ".err");
            Process p = builder.redirectError(err.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(10, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new IllegalStateException("helm " + String.join(" ", args) + " did not finish in 10 minutes");
            }
            String stderr = Files.readString(err);
            Files.delete(err);
            return new Result(p.exitValue(), out, stderr);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public static Result run(String... args) {
        return run(List.of(), args);
    }

    /** {@code helm template} of the chart as release "aftershock" in {@code namespace}, with these flags. */
    public static String template(String namespace, String... flags) {
        List<String> args =
                new ArrayList<>(List.of("template", "aftershock", CHART.toString(), "--namespace", namespace));
        args.addAll(List.of(flags));
        return run(args.toArray(String[]::new)).orThrow().stdout();
    }
}
