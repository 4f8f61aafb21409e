package dev.aftershock.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.aftershock.cli.CliRun;
import dev.aftershock.journal.RunInfo;
import dev.aftershock.testbed.TestCluster;
import dev.aftershock.testbed.TestbedExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** A run killed mid-drain leaves marks `recover` can undo; SIGTERM recovers before the process exits. */
@ExtendWith(TestbedExtension.class)
class CrashSafetyIT {
    private static final String NODE = "kwok-node-2";
    private final RunFixture fixture;

    CrashSafetyIT(TestCluster cluster) throws Exception {
        this.fixture = new RunFixture(cluster);
    }

    @AfterEach
    void putTheNodeBackAndClearTheNamespace() throws Exception {
        fixture.resetNode(NODE);
        fixture.clearNamespace();
    }

    /** A drain held up by a budget that never yields: it stays in progress as long as the test needs. */
    private Path longDrain(String name) throws Exception {
        return fixture.experiment(name, """
                apiVersion: aftershock.dev/v1alpha1
                kind: Experiment
                metadata: {name: %s}
                spec:
                  duration: 3m
                  target: {namespace: NAMESPACE, workload: deployment/held}
                  faults:
                    - {name: drain, at: 1s, action: node-drain, nodes: {names: [%s]}, evictionTimeout: 2m}
                  safety: {maxUnavailable: 100%%}
                """.formatted(name, NODE));
    }

    private void deployHeldWorkload() throws Exception {
        Manifests.deploy(fixture.cluster, KwokApps.preferringNode("held", 2, NODE, 5, true), 2);
        Manifests.budget(fixture.cluster, KwokApps.budget("held", "minAvailable: 2"), 2);
    }

    @Test
    void aRunKilledMidDrainIsUndoneByRecoverAndBlocksTheNextRunUntilThen() throws Exception {
        deployHeldWorkload();
        Path experiment = longDrain("killed-mid-drain");
        Process cli = fixture.start(experiment);
        await().atMost(Duration.ofSeconds(60)).until(() -> !fixture.schedulable(NODE));

        cli.destroyForcibly(); // SIGKILL: no hook runs
        assertThat(cli.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(fixture.schedulable(NODE))
                .as("the killed run could not recover")
                .isFalse();
        assertThat(fixture.annotations(NODE)).containsKey("aftershock.dev/run");

        // While its lease is still live, the killed run may be alive: recover leaves it alone (exit 3).
        CliRun tooEarly = fixture.recover();
        assertThat(tooEarly.exitCode()).as(tooEarly.out() + tooEarly.err()).isEqualTo(3);
        assertThat(tooEarly.out()).contains("skipped node " + NODE).contains("is still running");
        assertThat(fixture.schedulable(NODE)).isFalse();
        fixture.awaitNoLiveRun();

        CliRun refused = fixture.run(longDrain("next-run"));
        assertThat(refused.exitCode()).isEqualTo(3);
        assertThat(refused.err())
                .contains("an earlier run left the cluster changed")
                .contains("node " + NODE + " (node-drain drain of run killed-mid-drain-");

        CliRun recover = fixture.recover();
        assertThat(recover.exitCode()).as(recover.out() + recover.err()).isZero();
        assertThat(recover.out()).contains("recovered node " + NODE);
        assertThat(fixture.schedulable(NODE)).isTrue();
        assertThat(fixture.annotations(NODE))
                .doesNotContainKeys(
                        "aftershock.dev/run",
                        "aftershock.dev/holders",
                        "aftershock.dev/fault",
                        "aftershock.dev/was-unschedulable");
        assertThat(fixture.recover().out()).contains("nothing to recover");
    }

    @Test
    void sigtermDuringARunRecoversEverythingBeforeTheProcessExits() throws Exception {
        deployHeldWorkload();
        Path experiment = longDrain("terminated-mid-drain");
        Process cli = fixture.start(experiment);
        await().atMost(Duration.ofSeconds(60)).until(() -> !fixture.schedulable(NODE));

        cli.destroy(); // SIGTERM
        assertThat(cli.waitFor(90, TimeUnit.SECONDS)).isTrue();

        assertThat(fixture.schedulable(NODE)).as(fixture.output(experiment)).isTrue();
        assertThat(fixture.annotations(NODE)).doesNotContainKey("aftershock.dev/run");
        assertThat(fixture.output(experiment)).contains("interrupted: recovering every fault before exiting");
        assertThat(fixture.journal(experiment).run().outcome()).isEqualTo(RunInfo.Outcome.ABORTED);
        assertThat(fixture.recover().out()).contains("nothing to recover");
    }
}
