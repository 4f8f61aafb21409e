package dev.aftershock.run;

import java.io.PrintWriter;
import java.nio.file.Path;

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
        PrintWriter out,
        PrintWriter err) {}
