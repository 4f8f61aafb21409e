package dev.aftershock.run;

import java.io.PrintWriter;
import java.nio.file.Path;

/** How a run was asked for on the command line. */
public record RunOptions(
        Path experimentFile,
        String experimentSource,
        Path kubeconfig,
        Path stateDir,
        Path outDir,
        boolean dryRun,
        boolean recoverFirst,
        String agentVersion,
        PrintWriter out,
        PrintWriter err) {}
