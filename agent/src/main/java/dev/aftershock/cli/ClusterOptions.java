package dev.aftershock.cli;

import dev.aftershock.kube.ClusterAccess;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.Option;

/** Where the cluster and the local rollback ledger are: shared by every command that acts. */
final class ClusterOptions {
    @Option(
            names = "--kubeconfig",
            paramLabel = "FILE",
            description =
                    "Kubeconfig to use (default: $KUBECONFIG, then ~/.kube/config, then, in a pod, its service account).")
    Path kubeconfig;

    @Option(
            names = "--state-dir",
            paramLabel = "DIR",
            description =
                    "Where runs record what they change, for `aftershock recover` (default: $AFTERSHOCK_STATE_DIR, then ~/.local/state/aftershock).")
    Path stateDir;

    Optional<ClusterAccess> resolveAccess() {
        return ClusterAccess.find(
                kubeconfig,
                System.getenv(),
                Path.of(System.getProperty("user.home")),
                ClusterAccess.POD_SERVICE_ACCOUNT);
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
                : "no kubeconfig: pass --kubeconfig FILE or set KUBECONFIG (for the testbed: eval \"$(testbed/up)\"),"
                        + " or run in a pod with a service account";
    }
}
