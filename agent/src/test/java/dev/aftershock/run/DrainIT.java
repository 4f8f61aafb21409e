package dev.aftershock.run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aftershock.cli.CliRun;
import dev.aftershock.journal.Journal;
import dev.aftershock.journal.TargetRecord;
import dev.aftershock.testbed.TestCluster;
import dev.aftershock.testbed.TestbedExtension;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** node-drain against real PodDisruptionBudgets on the testbed. */
@ExtendWith(TestbedExtension.class)
class DrainIT {
    private static final String NODE = "kwok-node-1";
    private final RunFixture fixture;

    DrainIT(TestCluster cluster) throws Exception {
        this.fixture = new RunFixture(cluster);
    }

    @AfterEach
    void putTheNodeBackAndClearTheNamespace() throws Exception {
        fixture.resetNode(NODE);
        fixture.clearNamespace();
    }

    @Test
    void aDrainUnderABudgetOfOneAtATimeCompletesAndShowsRetriesAndBlockedTime() throws Exception {
        Manifests.deploy(fixture.cluster, KwokApps.preferringNode("steady", 4, NODE, 5, true), 4);
        Manifests.budget(fixture.cluster, KwokApps.budget("steady", "maxUnavailable: 1"), 4);
        Path experiment = fixture.experiment("drain-steady", """
                apiVersion: aftershock.dev/v1alpha1
                kind: Experiment
                metadata: {name: drain-steady}
                spec:
                  duration: 50s
                  target: {namespace: NAMESPACE, workload: deployment/steady}
                  faults:
                    - {name: drain, at: 1s, action: node-drain, nodes: {names: [%s]}, evictionTimeout: 40s, for: 45s}
                  safety: {maxUnavailable: 100%%}
                """.formatted(NODE));

        CliRun run = fixture.run(experiment);

        assertThat(run.exitCode()).as(run.out() + run.err()).isZero();
        TargetRecord node = RunFixture.onlyTarget(fixture.journal(experiment), "drain");
        assertThat(node.state()).isEqualTo(TargetRecord.State.RECOVERED);
        assertThat(RunFixture.measured(node, "pods evicted")).isGreaterThanOrEqualTo(2);
        assertThat(RunFixture.measured(node, "eviction retries")).isPositive();
        assertThat(RunFixture.measured(node, "blocked by PDB " + fixture.cluster.namespace() + "/steady"))
                .isPositive();
        assertThat(fixture.schedulable(NODE)).isTrue();
        assertThat(fixture.annotations(NODE)).doesNotContainKey("aftershock.dev/run");
    }

    /** Every termination says how it ended: a drain's evictions through the API, a kill's deletion; no memory cause. */
    @Test
    void aDrainAndAPodKillInOneRunAreClassifiedAsSuch() throws Exception {
        Manifests.deploy(fixture.cluster, KwokApps.preferringNode("told", 4, NODE, 5, true), 4);
        Path experiment = fixture.experiment("drain-and-kill", """
                apiVersion: aftershock.dev/v1alpha1
                kind: Experiment
                metadata: {name: drain-and-kill}
                spec:
                  duration: 20s
                  seed: 7
                  target: {namespace: NAMESPACE, workload: deployment/told}
                  faults:
                    - {name: drain, at: 1s, action: node-drain, nodes: {names: [%s]}, evictionTimeout: 10s, for: 15s}
                    - {name: kill, at: 8s, action: pod-kill, pods: {selector: {app: told}, pick: 1}}
                  safety: {maxUnavailable: 100%%}
                """.formatted(NODE));

        CliRun run = fixture.run(experiment);

        assertThat(run.exitCode()).as(run.out() + run.err()).isZero();
        Journal journal = fixture.journal(experiment);
        System.out.println("drain and kill: "
                + journal.terminations().stream()
                        .map(t -> t.causeText() + ": " + t.how())
                        .toList());
        assertThat(journal.terminations())
                .filteredOn(t -> t.cause().equals("node-drain"))
                .isNotEmpty()
                .allSatisfy(t -> assertThat(t.how()).isEqualTo("evicted through the Eviction API"));
        assertThat(journal.terminations())
                .filteredOn(t -> t.cause().equals("pod-kill"))
                .singleElement()
                .satisfies(t -> assertThat(t.how()).isEqualTo("deleted"));
        assertThat(journal.terminations())
                .noneMatch(t -> t.how().equals("OOMKilled") || t.evictedByTheKubelet())
                .allMatch(t -> !t.cause().equals("other"));
    }

    @Test
    void aBudgetThatNeverAllowsEvictionIsReportedBeforeAndTheDrainEndsAtItsTimeout() throws Exception {
        Manifests.deploy(fixture.cluster, KwokApps.preferringNode("stuck", 3, NODE, 5, true), 3);
        Manifests.budget(fixture.cluster, KwokApps.budget("stuck", "minAvailable: 3"), 3);
        Path experiment = fixture.experiment("drain-stuck", """
                apiVersion: aftershock.dev/v1alpha1
                kind: Experiment
                metadata: {name: drain-stuck}
                spec:
                  duration: 30s
                  target: {namespace: NAMESPACE, workload: deployment/stuck}
                  faults:
                    - {name: drain, at: 1s, action: node-drain, nodes: {names: [%s]}, evictionTimeout: 6s, for: 25s}
                  safety: {maxUnavailable: 100%%}
                """.formatted(NODE));

        CliRun run = fixture.run(experiment);

        assertThat(run.out())
                .contains("warning: fault drain: PodDisruptionBudget " + fixture.cluster.namespace()
                        + "/stuck wants 3 of 3 pods healthy and can never allow an eviction");
        Journal journal = fixture.journal(experiment);
        TargetRecord node = RunFixture.onlyTarget(journal, "drain");
        assertThat(node.state()).isEqualTo(TargetRecord.State.INJECTION_FAILED);
        assertThat(node.message())
                .contains("still blocked by PodDisruptionBudget " + fixture.cluster.namespace()
                        + "/stuck at evictionTimeout (6s)");
        // Recovered at the timeout, not at the end of `for` (26 s).
        assertThat(node.recoveredAtMs() - node.injectedAtMs()).isBetween(5_000L, 15_000L);
        assertThat(fixture.schedulable(NODE)).isTrue();
        // The drain did not happen as written: the run is an error, never a pass (exit 0 before Engine II).
        assertThat(run.exitCode()).as(run.out() + run.err()).isEqualTo(3);
        assertThat(journal.run().outcome()).isEqualTo(dev.aftershock.journal.RunInfo.Outcome.ERROR);
        assertThat(run.out()).contains("why: fault drain did not happen on node " + NODE);
    }
}
