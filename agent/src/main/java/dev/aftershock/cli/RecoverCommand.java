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
                        cluster.resolveInjectors(),
                        true,
                        run -> true));
        report.lines().forEach(spec.commandLine().getOut()::println);
        if (report.failures() > 0) {
            return ExitCode.ABORTED.code();
        }
        return report.skipped() > 0 ? ExitCode.ABORTED.code() : ExitCode.PASSED.code();
    }

    /**
     * Load injector pods and their Secrets a run left (the agent was killed before it removed them):
     * removed, but not those of a live run, which removes its own.
     */
    private static Recovery.Report withInjectors(
            Recovery.Report faults,
            io.kubernetes.client.openapi.ApiClient client,
            dev.aftershock.kube.InjectorPods.Settings injectors,
            boolean lookForInjectors,
            dev.aftershock.selection.Reach reach,
            java.util.Optional<String> live,
            java.util.function.Predicate<String> ofRuns) {
        java.util.List<String> lines = new java.util.ArrayList<>(faults.lines());
        int recovered = faults.recovered();
        int failures = faults.failures();
        int skipped = faults.skipped();
        if (!lookForInjectors) {
            return faults;
        }
        // Where injectors run: the injector namespace when one is set (an installed agent's), else
        // wherever the agent reaches (a run without one puts them in its target's namespace).
        java.util.List<String> namespaces = injectors
                .namespace()
                .map(java.util.List::of)
                .orElse(reach.wholeCluster() ? java.util.List.of() : java.util.List.copyOf(reach.namespaces()));
        java.util.List<io.kubernetes.client.openapi.ApiException> unlisted = new java.util.ArrayList<>();
        java.util.List<dev.aftershock.kube.InjectorPods.Leftover> left =
                dev.aftershock.kube.InjectorPods.leftovers(client, namespaces, unlisted);
        for (var e : unlisted) {
            // Not looked at is not recovered: said, and counted, so `recover` does not exit 0 on it.
            if (e.getCode() == 403) {
                skipped++;
                lines.add("did not look for load injector pods or Secrets (give --injector-namespace where they"
                        + " ran): " + dev.aftershock.kube.StatusMessages.messageOf(e));
            } else {
                failures++;
                lines.add("could not look for load injector pods or Secrets: "
                        + dev.aftershock.kube.StatusMessages.messageOf(e));
            }
        }
        java.util.Map<java.util.List<String>, java.util.List<String>> byRun = new java.util.LinkedHashMap<>();
        for (var l : left) {
            if (ofRuns.test(l.run())) {
                byRun.computeIfAbsent(java.util.List.of(l.namespace(), l.run()), k -> new java.util.ArrayList<>())
                        .add(l.kind().toLowerCase(java.util.Locale.ROOT) + " " + l.name());
            }
        }
        for (var e : byRun.entrySet()) {
            String ns = e.getKey().get(0);
            String run = e.getKey().get(1);
            if (live.filter(run::equals).isPresent()) {
                skipped++;
                lines.add("skipped the load injectors of run %s in %s: the run is still running".formatted(run, ns));
                continue;
            }
            java.util.List<String> problems = dev.aftershock.kube.InjectorPods.remove(client, ns, run);
            if (problems.isEmpty()) {
                recovered++;
                lines.add("removed the load injectors of run %s in %s: %s"
                        .formatted(run, ns, String.join(", ", e.getValue())));
            } else {
                failures++;
                lines.add("could not remove the load injectors of run %s in %s: %s"
                        .formatted(run, ns, String.join("; ", problems)));
            }
        }
        if (!byRun.isEmpty()) {
            lines.removeIf(l -> l.startsWith("nothing to recover:"));
        }
        return new Recovery.Report(lines, recovered, failures, skipped);
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
            dev.aftershock.kube.InjectorPods.Settings injectors,
            boolean lookForInjectors,
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
            Recovery.Report faults = new Recovery(
                            new KubeClusterOps(client, informers, deadline, helpers), stateDir, live, ofRuns)
                    .within(reach)
                    .recoverAll();
            return withInjectors(faults, client, injectors, lookForInjectors, reach, live, ofRuns);
        } finally {
            if (lease != null) {
                lease.close();
            }
        }
    }
}
