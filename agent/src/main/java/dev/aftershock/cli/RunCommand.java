package dev.aftershock.cli;

import dev.aftershock.kube.ClusterAccess;
import dev.aftershock.kube.UnusableClusterAccess;
import dev.aftershock.metrics.AgentMetrics;
import dev.aftershock.metrics.MetricsServer;
import dev.aftershock.model.Experiment;
import dev.aftershock.run.RunEngine;
import dev.aftershock.run.RunOptions;
import dev.aftershock.validation.ExperimentLoader;
import io.kubernetes.client.openapi.ApiException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(
        name = "run",
        mixinStandardHelpOptions = true,
        description = {
            "Runs one experiment against the cluster: checks the safety guards, plays the fault timeline,",
            "recovers every fault (also on SIGINT/SIGTERM), and writes journal.json, report.html and junit.xml."
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:passed",
            "1:a hypothesis failed (or could not be evaluated)",
            "2:invalid experiment, or refused by a safety guard (nothing was changed)",
            "3:aborted, interrupted, a fault not recovered, leftovers of an earlier run, or the cluster unreachable"
        })
final class RunCommand implements Callable<Integer> {
    @ParentCommand
    AftershockCommand parent;

    @Parameters(paramLabel = "FILE", description = "The experiment file.")
    Path file;

    @Option(names = "--dry-run", description = "Print the resolved plan (targets, offsets, seed) and change nothing.")
    boolean dryRun;

    @Option(names = "--recover-first", description = "Recover what earlier runs left behind, then run.")
    boolean recoverFirst;

    @Option(
            names = "--load-url",
            paramLabel = "URL",
            description = "Send the load here instead: replaces the scheme, host and port of the experiment's load"
                    + " URL (for example a NodePort when the agent runs outside the cluster).")
    java.net.URI loadUrl;

    @Option(
            names = "--metrics-port",
            paramLabel = "PORT",
            description =
                    "Serve the agent's Prometheus metrics (aftershock_*) on this port at /metrics while the run lasts.")
    Integer metricsPort;

    @Option(
            names = "--prometheus-url",
            paramLabel = "URL",
            defaultValue = "${env:AFTERSHOCK_PROMETHEUS_URL}",
            description = "The Prometheus that `prometheus` hypotheses query, such as http://127.0.0.1:9090"
                    + " (default: $AFTERSHOCK_PROMETHEUS_URL; without it they are not evaluated).")
    java.net.URI prometheusUrl;

    @Option(
            names = "--wait-for-lock",
            paramLabel = "DURATION",
            description = "When another run holds the run lock, wait up to this long for it (default: refuse at once,"
                    + " exit 3).")
    String waitForLock;

    @Option(names = "--out", paramLabel = "DIR", description = "Where to write the report (default: reports/<run id>).")
    Path out;

    @Mixin
    ClusterOptions cluster;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        var err = spec.commandLine().getErr();
        var result = parent.runtime().blocking(() -> ExperimentLoader.load(file));
        if (result instanceof ExperimentLoader.Rejected rejected) {
            rejected.problems().forEach(err::println);
            return ExitCode.INVALID_INPUT.code();
        }
        Experiment experiment = ((ExperimentLoader.Loaded) result).experiment();
        if (metricsPort != null && (metricsPort < 0 || metricsPort > 65535)) {
            err.println("aftershock: --metrics-port: expected a port from 0 to 65535, got " + metricsPort);
            return ExitCode.INVALID_INPUT.code();
        }
        if (prometheusUrl != null
                && (!("http".equals(prometheusUrl.getScheme()) || "https".equals(prometheusUrl.getScheme()))
                        || prometheusUrl.getHost() == null)) {
            err.println("aftershock: --prometheus-url: expected an http(s) URL such as http://127.0.0.1:9090, got "
                    + prometheusUrl);
            return ExitCode.INVALID_INPUT.code();
        }
        var wait = waitForLock == null ? Optional.of(java.time.Duration.ZERO) : ClusterOptions.duration(waitForLock);
        var recoveryDeadline = cluster.resolveRecoveryDeadline();
        if (wait.isEmpty() || recoveryDeadline.isEmpty()) {
            err.println("aftershock: " + (wait.isEmpty() ? "--wait-for-lock" : "--recovery-deadline")
                    + ": expected a duration such as 30s or 2m, got "
                    + (wait.isEmpty() ? waitForLock : cluster.recoveryDeadline));
            return ExitCode.INVALID_INPUT.code();
        }
        var locking = new RunOptions.Locking(cluster.resolveLockNamespace(), wait.get(), recoveryDeadline.get());
        var access = cluster.resolveAccess();
        if (access.isEmpty()) {
            err.println("aftershock: " + cluster.missingKubeconfig());
            return ExitCode.INVALID_INPUT.code();
        }
        // Served on the agent's Vert.x while the run lasts; a port in use refuses the run before it starts.
        AgentMetrics metrics = new AgentMetrics();
        MetricsServer metricsServer = null;
        if (metricsPort != null && !dryRun) {
            try {
                metricsServer = MetricsServer.start(parent.runtime().vertx(), metrics, "0.0.0.0", metricsPort);
            } catch (Exception e) {
                err.println("refused: cannot serve metrics on port " + metricsPort + ": " + e.getMessage()
                        + "; nothing was changed");
                return ExitCode.INVALID_INPUT.code();
            }
            spec.commandLine().getOut().println("metrics: http://0.0.0.0:" + metricsServer.port() + "/metrics");
        }
        try {
            return run(experiment, access.get(), metrics, locking, err);
        } finally {
            if (metricsServer != null) {
                metricsServer.close();
            }
        }
    }

    private int run(
            Experiment experiment,
            ClusterAccess access,
            AgentMetrics metrics,
            RunOptions.Locking locking,
            PrintWriter err)
            throws InterruptedException {
        RunOptions options = new RunOptions(
                file,
                source(file),
                access,
                cluster.resolveStateDir(),
                out,
                dryRun,
                recoverFirst,
                loadUrl,
                prometheusUrl,
                metrics,
                new AftershockCommand.Version().getVersion()[0].replace("aftershock ", ""),
                locking,
                dev.aftershock.selection.Reach.cluster(),
                dev.aftershock.load.LoadHeaders.Sources.ANY,
                Path.of("reports"),
                dev.aftershock.run.RunListener.NONE,
                cluster.resolveHelpers(),
                cluster.resolveInjectors(),
                spec.commandLine().getOut(),
                err);
        // A run blocks for its whole duration: it gets a virtual thread of its own, not a pooled worker.
        AtomicReference<Object> outcome = new AtomicReference<>();
        Thread runner = Thread.ofVirtual().name("aftershock-run").start(() -> {
            try {
                outcome.set(new RunEngine(experiment, options).run());
            } catch (Exception e) {
                outcome.set(e);
            }
        });
        runner.join();
        return switch (outcome.get()) {
            case RunEngine.Result r -> r.exitCode();
            case ApiException e -> {
                err.printf(
                        "aftershock: the cluster answered HTTP %d: %s%n",
                        e.getCode(), e.getResponseBody() == null ? e.getMessage() : e.getResponseBody());
                yield ExitCode.ABORTED.code();
            }
            case RunEngine.StartFailure e -> {
                err.println("aftershock: " + e.getMessage() + "; no fault was injected");
                yield ExitCode.ABORTED.code();
            }
            case UnusableClusterAccess e -> {
                err.println("aftershock: " + e.getMessage() + "; nothing was changed");
                yield ExitCode.INVALID_INPUT.code();
            }
            case IllegalStateException e -> {
                err.println("refused: " + e.getMessage() + "; nothing was changed");
                yield ExitCode.INVALID_INPUT.code();
            }
            case Exception e -> {
                err.println("aftershock: " + e);
                yield ExitCode.ABORTED.code();
            }
            default -> ExitCode.ABORTED.code();
        };
    }

    private static String source(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }
}
