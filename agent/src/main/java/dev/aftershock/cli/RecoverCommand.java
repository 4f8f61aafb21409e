package dev.aftershock.cli;

import dev.aftershock.kube.KubeClients;
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
            "3:something could not be recovered"
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
        Recovery.Report report = parent.runtime()
                .blocking(
                        () -> new Recovery(KubeClients.forCalls(access.get()), cluster.resolveStateDir()).recoverAll());
        report.lines().forEach(spec.commandLine().getOut()::println);
        return report.failures() == 0 ? ExitCode.PASSED.code() : ExitCode.ABORTED.code();
    }
}
