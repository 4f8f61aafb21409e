package dev.aftershock.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.aftershock.cli.CliRun;
import dev.aftershock.testbed.TestCluster;
import dev.aftershock.testbed.TestbedExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** One run at a time per cluster (Engine II, behaviour 2): a Lease held and renewed for the run's life. */
@ExtendWith(TestbedExtension.class)
class LockIT {
    private static final String NODE = "kwok-node-2";
    private final RunFixture fixture;

    LockIT(TestCluster cluster) throws Exception {
        this.fixture = new RunFixture(cluster);
    }

    @AfterEach
    void putTheNodeBackAndClearTheNamespace() throws Exception {
        fixture.resetNode(NODE);
        fixture.clearNamespace();
    }

    private Path cordon(String name, String duration) throws Exception {
        return fixture.experiment(name, """
                apiVersion: aftershock.dev/v1alpha1
                kind: Experiment
                metadata: {name: %s}
                spec:
                  duration: %s
                  target: {namespace: NAMESPACE, workload: deployment/locked}
                  faults:
                    - {name: cordon, at: 1s, action: node-cordon, nodes: {names: [%s]}}
                """.formatted(name, duration, NODE));
    }

    @Test
    void aSecondRunRefusesOrWaitsAndRecoverLeavesALiveRunAlone() throws Exception {
        Manifests.deploy(fixture.cluster, KwokApps.preferringNode("locked", 1, "kwok-node-1", 1, true), 1);
        Path first = cordon("first", "20s");
        Process running = fixture.start(first);
        await().atMost(Duration.ofSeconds(40)).until(() -> !fixture.schedulable(NODE));

        CliRun refused = fixture.run(cordon("second", "10s"));
        assertThat(refused.exitCode()).as(refused.out() + refused.err()).isEqualTo(3);
        assertThat(refused.err())
                .contains("another run is in progress")
                .contains("run first-")
                .contains("since");

        CliRun recover = fixture.recover();
        assertThat(recover.exitCode()).isEqualTo(3);
        assertThat(recover.out()).contains("skipped node " + NODE).contains("is still running");
        assertThat(fixture.schedulable(NODE))
                .as("a live run's cordon is not recovered under its feet")
                .isFalse();

        CliRun waited = fixture.run(cordon("third", "10s"), "--wait-for-lock", "60s");
        assertThat(running.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(running.exitValue()).as(fixture.output(first)).isZero();
        assertThat(waited.exitCode()).as(waited.out() + waited.err()).isZero();
        assertThat(fixture.schedulable(NODE)).isTrue();
    }
}
