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

    @Option(
            names = "--lock-namespace",
            paramLabel = "NS",
            description = "Where the run lock (Lease aftershock-run-lock) lives (default: $AFTERSHOCK_LOCK_NAMESPACE,"
                    + " then default).")
    String lockNamespace;

    @Option(
            names = "--recovery-deadline",
            paramLabel = "DURATION",
            defaultValue = "2m",
            description = "How long recovering one target retries conflicts and outages before it is reported as"
                    + " failed (default: ${DEFAULT-VALUE}).")
    String recoveryDeadline;

    @Option(
            names = "--helper-image",
            paramLabel = "IMAGE",
            description = "The node helper image that faults acting inside a pod's network (probe-failure) run in"
                    + " (default: $AFTERSHOCK_HELPER_IMAGE; none: such faults are refused).")
    String helperImage;

    @Option(
            names = "--helper-namespace",
            paramLabel = "NS",
            description = "Where node helper pods run; it must allow privileged pods (default:"
                    + " $AFTERSHOCK_HELPER_NAMESPACE, then the target pod's namespace).")
    String helperNamespace;

    @Option(
            names = "--injector-image",
            paramLabel = "IMAGE",
            description = "The image load injector pods run (the agent's own, with the load driver), for"
                    + " experiments whose load has more than one injector (default: $AFTERSHOCK_INJECTOR_IMAGE;"
                    + " none: such runs are refused).")
    String injectorImage;

    @Option(
            names = "--injector-namespace",
            paramLabel = "NS",
            description = "Where load injector pods run (default: $AFTERSHOCK_INJECTOR_NAMESPACE, then the"
                    + " target's namespace).")
    String injectorNamespace;

    dev.aftershock.kube.InjectorPods.Settings resolveInjectors() {
        return new dev.aftershock.kube.InjectorPods.Settings(
                given(injectorImage, "AFTERSHOCK_INJECTOR_IMAGE"),
                given(injectorNamespace, "AFTERSHOCK_INJECTOR_NAMESPACE"));
    }

    dev.aftershock.kube.NodeHelpers.Settings resolveHelpers() {
        return new dev.aftershock.kube.NodeHelpers.Settings(
                given(helperImage, "AFTERSHOCK_HELPER_IMAGE"), given(helperNamespace, "AFTERSHOCK_HELPER_NAMESPACE"));
    }

    private static Optional<String> given(String option, String variable) {
        String value = option != null ? option : System.getenv(variable);
        return value == null || value.isBlank() ? Optional.empty() : Optional.of(value.strip());
    }

    String resolveLockNamespace() {
        if (lockNamespace != null) {
            return lockNamespace;
        }
        String env = System.getenv("AFTERSHOCK_LOCK_NAMESPACE");
        return env != null && !env.isBlank() ? env : dev.aftershock.run.RunOptions.Locking.DEFAULT_NAMESPACE;
    }

    /** The recovery deadline asked for (2m when none was: also for commands built in code, as the demo's run). */
    Optional<java.time.Duration> resolveRecoveryDeadline() {
        return recoveryDeadline == null
                ? Optional.of(dev.aftershock.run.RunOptions.Locking.DEFAULT_RECOVERY_DEADLINE)
                : duration(recoveryDeadline);
    }

    /** Empty when the text is not a duration (the caller says so and exits 2). */
    static Optional<java.time.Duration> duration(String text) {
        try {
            return Optional.of(dev.aftershock.model.Durations.parse(text));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

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
