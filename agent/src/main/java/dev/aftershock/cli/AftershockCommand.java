package dev.aftershock.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;

@Command(
        name = "aftershock",
        mixinStandardHelpOptions = true,
        versionProvider = AftershockCommand.Version.class,
        description = "Chaos and autoscaling load tests for Kubernetes, with a measured verdict.",
        subcommands = {
            ValidateCommand.class,
            RunCommand.class,
            DemoCommand.class,
            RecoverCommand.class,
            ReportCommand.class,
            CompareCommand.class,
            ServeCommand.class,
            SubmitCommand.class,
            RunsCommand.class,
            ProbeCommand.class,
            StopRunsCommand.class
        },
        footerHeading = "%nExit codes:%n",
        footer = {
            "  0  passed",
            "  1  a hypothesis failed",
            "  2  invalid input or usage",
            "  3  aborted or infrastructure error"
        })
public final class AftershockCommand implements Runnable {
    private AgentRuntime runtime;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    /** Started on first use, so --help and --version need no event loop. */
    synchronized AgentRuntime runtime() {
        if (runtime == null) {
            runtime = new AgentRuntime();
        }
        return runtime;
    }

    synchronized void closeRuntime() {
        if (runtime != null) {
            runtime.close();
            runtime = null;
        }
    }

    /** Without a subcommand there is nothing to do: a usage error (picocli prints the usage). */
    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "a subcommand is required");
    }

    static final class Version implements IVersionProvider {
        @Override
        public String[] getVersion() {
            Properties p = new Properties();
            try (InputStream in = AftershockCommand.class.getResourceAsStream("version.properties")) {
                if (in != null) {
                    p.load(in);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return new String[] {
                "aftershock " + p.getProperty("version", "unknown"), "experiment format aftershock.dev/v1alpha1"
            };
        }
    }
}
