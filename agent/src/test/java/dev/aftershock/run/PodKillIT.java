package dev.aftershock.run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aftershock.cli.CliRun;
import dev.aftershock.journal.TargetRecord;
import dev.aftershock.testbed.TestCluster;
import dev.aftershock.testbed.TestbedExtension;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** pod-kill honours grace periods and measures how soon a replacement is Ready. */
@ExtendWith(TestbedExtension.class)
class PodKillIT {
    private final RunFixture fixture;

    PodKillIT(TestCluster cluster) throws Exception {
        this.fixture = new RunFixture(cluster);
    }

    @Test
    void honoursThePodsOwnLongGracePeriodAndReportsTheReplacementsRecoveryTime() throws Exception {
        // Simulated pods exit at their grace deadline: 10 minutes from the kill.
        Manifests.deploy(fixture.cluster, KwokApps.preferringNode("patient", 2, "kwok-node-3", 600, false), 2);
        Path experiment = fixture.experiment("kill-patient", """
                apiVersion: aftershock.dev/v1alpha1
                kind: Experiment
                metadata: {name: kill-patient}
                spec:
                  duration: 15s
                  seed: 11
                  target: {namespace: NAMESPACE, workload: deployment/patient}
                  faults:
                    - {name: kill, at: 1s, action: pod-kill, pods: {selector: {app: patient}, pick: 1}}
                  safety: {maxUnavailable: 50%}
                """);

        CliRun run = fixture.run(experiment);

        assertThat(run.exitCode()).as(run.out() + run.err()).isZero();
        TargetRecord killed = RunFixture.onlyTarget(fixture.journal(experiment), "kill");
        assertThat(killed.state()).isEqualTo(TargetRecord.State.NOT_RECOVERABLE);
        assertThat(RunFixture.measured(killed, "grace period")).isEqualTo(600_000);
        assertThat(RunFixture.measured(killed, "replacement ready after")).isBetween(0.0, 14_000.0);
        var pod = fixture.cluster
                .core()
                .readNamespacedPod(killed.name(), fixture.cluster.namespace())
                .execute();
        assertThat(pod.getMetadata().getDeletionTimestamp())
                .as("still terminating within its grace period")
                .isNotNull();
    }

    @Test
    void forceMeansNoGraceAtAll() throws Exception {
        Manifests.deploy(fixture.cluster, KwokApps.preferringNode("hasty", 2, "kwok-node-3", 600, false), 2);
        Path experiment = fixture.experiment("kill-hasty", """
                apiVersion: aftershock.dev/v1alpha1
                kind: Experiment
                metadata: {name: kill-hasty}
                spec:
                  duration: 12s
                  target: {namespace: NAMESPACE, workload: deployment/hasty}
                  faults:
                    - {name: kill, at: 1s, action: pod-kill, pods: {selector: {app: hasty}, pick: 1}, force: true}
                  safety: {maxUnavailable: 50%}
                """);

        CliRun run = fixture.run(experiment);

        assertThat(run.exitCode()).as(run.out() + run.err()).isZero();
        TargetRecord killed = RunFixture.onlyTarget(fixture.journal(experiment), "kill");
        assertThat(RunFixture.measured(killed, "grace period")).isZero();
        assertThat(fixture.cluster
                        .core()
                        .listNamespacedPod(fixture.cluster.namespace())
                        .execute()
                        .getItems())
                .noneMatch(p -> p.getMetadata().getName().equals(killed.name()));
    }
}
