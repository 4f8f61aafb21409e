package dev.aftershock.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.aftershock.journal.RunInfo;
import dev.aftershock.journal.TargetRecord;
import dev.aftershock.testbed.TestCluster;
import dev.aftershock.testbed.TestbedExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Two faults holding one node at once (Engine II, behaviour 1). Before holders, the drain's cordon
 * recorded "was unschedulable: true" (the cordon's doing) and the node stayed cordoned for good, with
 * no mark left to say why; and the cordon's recovery uncordoned a node the drain still needed.
 */
@ExtendWith(TestbedExtension.class)
class OverlappingFaultsIT {
    private static final String NODE = "kwok-node-2";
    private final RunFixture fixture;

    OverlappingFaultsIT(TestCluster cluster) throws Exception {
        this.fixture = new RunFixture(cluster);
    }

    @AfterEach
    void putTheNodeBackAndClearTheNamespace() throws Exception {
        fixture.resetNode(NODE);
        fixture.clearNamespace();
    }

    @Test
    void aCordonAndADrainOfOneNodeLeaveItExactlyAsItWas() throws Exception {
        Manifests.deploy(fixture.cluster, KwokApps.preferringNode("overlap", 2, NODE, 1, true), 2);
        Path experiment = fixture.experiment("overlap", """
                apiVersion: aftershock.dev/v1alpha1
                kind: Experiment
                metadata: {name: overlap}
                spec:
                  duration: 25s
                  target: {namespace: NAMESPACE, workload: deployment/overlap}
                  faults:
                    - {name: cordon, at: 1s, action: node-cordon, nodes: {names: [%1$s]}, for: 5s}
                    - {name: drain, at: 3s, action: node-drain, nodes: {names: [%1$s]}, evictionTimeout: 15s, for: 17s}
                  safety: {maxUnavailable: 100%%}
                """.formatted(NODE));
        assertThat(fixture.schedulable(NODE)).isTrue();

        Process cli = fixture.start(experiment);
        // Once the cordon has let go, the drain alone holds the node: it must stay cordoned.
        await().atMost(Duration.ofSeconds(40))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> {
                    String holders = fixture.annotations(NODE).getOrDefault("aftershock.dev/holders", "");
                    return holders.contains("\"drain\"") && !holders.contains("\"cordon\"");
                });
        assertThat(fixture.schedulable(NODE))
                .as("the drain still holds the node")
                .isFalse();

        assertThat(cli.waitFor(90, TimeUnit.SECONDS)).isTrue();
        assertThat(cli.exitValue()).as(fixture.output(experiment)).isZero();
        assertThat(fixture.schedulable(NODE)).as(fixture.output(experiment)).isTrue();
        assertThat(fixture.annotations(NODE))
                .doesNotContainKeys("aftershock.dev/run", "aftershock.dev/holders", "aftershock.dev/was-unschedulable");
        var journal = fixture.journal(experiment);
        assertThat(journal.run().outcome()).isEqualTo(RunInfo.Outcome.PASSED);
        assertThat(RunFixture.onlyTarget(journal, "cordon").state()).isEqualTo(TargetRecord.State.RECOVERED);
        assertThat(RunFixture.onlyTarget(journal, "drain").state()).isEqualTo(TargetRecord.State.RECOVERED);
        assertThat(fixture.recover().out()).contains("nothing to recover");
    }
}
