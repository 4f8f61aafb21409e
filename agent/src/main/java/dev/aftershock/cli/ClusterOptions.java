package dev.aftershock.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.Option;

/** Where the cluster and the local rollback ledger are: shared by every command that acts. */
final class ClusterOptions {
    @Option(
            names = "--kubeconfig",
            paramLabel = "FILE",
            description = "Kubeconfig to use (default: $KUBECONFIG, then ~/.kube/config).")
    Path kubeconfig;

    @Option(
            names = "--state-dir",
            paramLabel = "DIR",
            description =
                    "Where runs record what they change, for `aftershock recover` (default: $AFTERSHOCK_STATE_DIR, then ~/.local/state/aftershock).")
    Path stateDir;

    Optional<Path> resolveKubeconfig() {
        if (kubeconfig != null) {
            return Files.isRegularFile(kubeconfig) ? Optional.of(kubeconfig) : Optional.empty();
        }
        String env = System.getenv("KUBECONFIG");
        if (env != null && !env.isBlank()) {
            Path p = Path.of(env.split(java.io.File.pathSeparator)[0]);
            return Files.isRegularFile(p) ? Optional.of(p) : Optional.empty();
        }
        Path home = Path.of(System.getProperty("user.home"), ".kube", "config");
        return Files.isRegularFile(home) ? Optional.of(home) : Optional.empty();
    }

    Path resolveStateDir() {
        if (stateDir != null) {
            return stateDir;
        }
        String env = System.getenv("AFTERSHOCK_STATE_DIR");
        return env != null && !env.isBlank()
                ? Path.of(env)
                : Path.of(System.getProperty("user.home"), ".local", "state", "aftershock");
    }

    String missingKubeconfig() {
        return kubeconfig != null
                ? "no kubeconfig at " + kubeconfig
                : "no kubeconfig: pass --kubeconfig FILE or set KUBECONFIG (for the testbed: eval \"$(testbed/up)\")";
    }
}
