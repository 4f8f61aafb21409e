package dev.aftershock.cli;

import dev.aftershock.kube.ClusterAccess;
import dev.aftershock.kube.KubeClients;
import dev.aftershock.kube.KubeClusterOps;
import dev.aftershock.kube.RunLease;
import dev.aftershock.kube.SharedInformers;
import dev.aftershock.run.Recovery;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ParentCommand;

@Command(
        name = "recover",
        mixinStandardHelpOptions = true,
        description = {
            "Reverts what any earlier run left behind (a run killed mid-way, or run with rollback: never):",
            "every node carrying Aftershock's marks, and every run whose local ledger is not settled."
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:nothing is left to recover",
            "2:bad usage or no kubeconfig",
            "3:something could not be recovered, or belongs to a run still in progress (skipped)"
        })
final class RecoverCommand implements Callable<Integer> {
    @ParentCommand
    AftershockCommand parent;

    @Mixin
    ClusterOptions cluster;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        var access = cluster.resolveAccess();
        if (access.isEmpty()) {
            spec.commandLine().getErr().println("aftershock: " + cluster.missingKubeconfig());
            return ExitCode.INVALID_INPUT.code();
        }
        var deadline = cluster.resolveRecoveryDeadline();
        if (deadline.isEmpty()) {
            spec.commandLine()
                    .getErr()
                    .println("aftershock: --recovery-deadline: expected a duration such as 30s or 2m, got "
                            + cluster.recoveryDeadline);
            return ExitCode.INVALID_INPUT.code();
        }
        Recovery.Report report = parent.runtime()
                .blocking(() -> recoverEverything(
                        access.get(),
                        cluster.resolveLockNamespace(),
                        cluster.resolveStateDir(),
                        deadline.get(),
                        dev.aftershock.selection.Reach.cluster(),
                        cluster.resolveHelpers(),
                        run -> true));
        report.lines().forEach(spec.commandLine().getOut()::println);
        if (report.failures() > 0) {
            return ExitCode.ABORTED.code();
        }
        return report.skipped() > 0 ? ExitCode.ABORTED.code() : ExitCode.PASSED.code();
    }

    /**
     * Recovers what earlier runs ({@code ofRuns}) left, holding the run lock while it works so that no run starts
     * and has its faults undone under it. A run that holds the lock is alive: it recovers its own
     * faults, and they are left alone (counted as skipped).
     */
    static Recovery.Report recoverEverything(
            ClusterAccess access,
            String lockNamespace,
            java.nio.file.Path stateDir,
            java.time.Duration deadline,
            dev.aftershock.selection.Reach reach,
            dev.aftershock.kube.NodeHelpers.Settings helpers,
            java.util.function.Predicate<String> ofRuns)
            throws Exception {
        var client = KubeClients.forCalls(access);
        RunLease lease = null;
        java.util.Optional<String> live = java.util.Optional.empty();
        try {
            lease = RunLease.acquire(
                    client,
                    lockNamespace,
                    "recover-" + Long.toHexString(System.nanoTime() & 0xffffff),
                    java.time.Duration.ZERO);
        } catch (RunLease.Held held) {
            live = java.util.Optional.of(held.holder().identity());
        }
        try (var informers = new SharedInformers(KubeClients.forWatches(access))) {
            return new Recovery(new KubeClusterOps(client, informers, deadline, helpers), stateDir, live, ofRuns)
                    .within(reach)
                    .recoverAll();
        } finally {
            if (lease != null) {
                lease.close();
            }
        }
    }
}
