package dev.aftershock.run;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;

/** How a run was asked for on the command line. */
public record RunOptions(
        Path experimentFile,
        String experimentSource,
        dev.aftershock.kube.ClusterAccess access,
        Path stateDir,
        Path outDir,
        boolean dryRun,
        boolean recoverFirst,
        /** Replaces the scheme, host and port of the load URL (null: as the experiment says). */
        java.net.URI loadUrl,
        /** Where `prometheus` hypotheses send their queries (null: they are not evaluated). */
        java.net.URI prometheusUrl,
        /** The registry to count into; null: the run makes its own. */
        dev.aftershock.metrics.AgentMetrics metrics,
        String agentVersion,
        Locking locking,
        /** What the agent's RBAC lets the run read and change (the CLI: the whole cluster). */
        dev.aftershock.selection.Reach reach,
        /** Where load header values may come from (the CLI: anywhere; the agent: its load secrets only). */
        dev.aftershock.load.LoadHeaders.Sources loadSources,
        /** Where reports go when {@code outDir} is null: {@code <reportsRoot>/<run id>}. */
        Path reportsRoot,
        /** Told of the run's progress as it goes (the API's live stream). */
        RunListener listener,
        /** The node helper image and namespace (no image: faults that need a helper are refused). */
        dev.aftershock.kube.NodeHelpers.Settings helpers,
        /** The image and namespace of load injector pods (no image: runs with injectors are refused). */
        dev.aftershock.kube.InjectorPods.Settings injectors,
        PrintWriter out,
        PrintWriter err) {
    /**
     * The run lock's namespace, how long to wait for another run to finish (zero: refuse at once),
     * and how long a recovery retries before it is reported as failed.
     */
    public record Locking(String namespace, Duration waitForLock, Duration recoveryDeadline) {
        public static final String DEFAULT_NAMESPACE = "default";
        public static final Duration DEFAULT_RECOVERY_DEADLINE = Duration.ofMinutes(2);
    }
}
