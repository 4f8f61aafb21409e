package dev.aftershock.run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aftershock.cli.CliRun;
import dev.aftershock.journal.Journal;
import dev.aftershock.journal.RunInfo;
import dev.aftershock.journal.TargetRecord;
import dev.aftershock.testbed.TestCluster;
import dev.aftershock.testbed.TestbedExtension;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * `rollback: on-failure` as the README says (Engine II, behaviour 11): judged with the faults in
 * place; a run that does not pass is recovered at once, a run that passes leaves them for `recover`.
 * Before, on-failure recovered every run, whatever the README promised.
 */
@ExtendWith(TestbedExtension.class)
class RollbackPolicyIT {
    private static final String NODE = "kwok-node-2";
    private final RunFixture fixture;

    RollbackPolicyIT(TestCluster cluster) throws Exception {
        this.fixture = new RunFixture(cluster);
    }

    @AfterEach
    void putTheNodeBack() throws Exception {
        fixture.resetNode(NODE);
        fixture.clearNamespace();
    }

    private Path onFailure(String name, int replicasWanted) throws Exception {
        Manifests.deploy(fixture.cluster, KwokApps.preferringNode("kept", 1, "kwok-node-1", 1, true), 1);
        return fixture.experiment(name, """
                apiVersion: aftershock.dev/v1alpha1
                kind: Experiment
                metadata: {name: %s}
                spec:
                  duration: 10s
                  target: {namespace: NAMESPACE, workload: deployment/kept}
                  faults:
                    - {name: cordon, at: 1s, action: node-cordon, nodes: {names: [%s]}}
                  hypotheses:
                    - {name: enough, kube: {availableReplicasAtLeast: %d, within: 1s}}
                  rollback: on-failure
                """.formatted(name, NODE, replicasWanted));
    }

    @Test
    void aPassingRunLeavesItsFaultsForRecover() throws Exception {
        Path experiment = onFailure("kept-on-pass", 1);
        CliRun run = fixture.run(experiment);
        assertThat(run.exitCode()).as(run.out() + run.err()).isZero();
        Journal journal = fixture.journal(experiment);
        assertThat(journal.run().outcome()).isEqualTo(RunInfo.Outcome.PASSED);
        assertThat(journal.rollback().performed()).isFalse();
        assertThat(RunFixture.onlyTarget(journal, "cordon").state()).isEqualTo(TargetRecord.State.INJECTED);
        assertThat(fixture.schedulable(NODE)).as("left in place, as asked").isFalse();

        CliRun recover = fixture.recover();
        assertThat(recover.exitCode()).as(recover.out()).isZero();
        assertThat(recover.out()).contains("recovered node " + NODE);
        assertThat(fixture.schedulable(NODE)).isTrue();
    }

    @Test
    void aFailingRunIsRecoveredAtOnce() throws Exception {
        Path experiment = onFailure("recovered-on-failure", 99);
        CliRun run = fixture.run(experiment);
        assertThat(run.exitCode()).as(run.out() + run.err()).isEqualTo(1);
        Journal journal = fixture.journal(experiment);
        assertThat(journal.rollback().performed()).isTrue();
        assertThat(RunFixture.onlyTarget(journal, "cordon").state()).isEqualTo(TargetRecord.State.RECOVERED);
        assertThat(fixture.schedulable(NODE)).isTrue();
        assertThat(fixture.recover().out()).contains("nothing to recover");
    }
}
