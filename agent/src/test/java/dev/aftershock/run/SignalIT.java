package dev.aftershock.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import dev.aftershock.journal.Journal;
import dev.aftershock.journal.RunInfo;
import dev.aftershock.journal.TimelineEvent;
import dev.aftershock.testbed.TestCluster;
import dev.aftershock.testbed.TestbedExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Abort and SIGTERM recover first (Engine II, behaviour 7): the node is put back before the load is
 * stopped, not after; and a run that fails to start lets a signal go at once instead of waiting a
 * minute for a journal that will never come.
 */
@ExtendWith(TestbedExtension.class)
class SignalIT {
    private static final String NODE = "kwok-node-2";
    private final RunFixture fixture;

    SignalIT(TestCluster cluster) throws Exception {
        this.fixture = new RunFixture(cluster);
    }

    @AfterEach
    void putTheNodeBack() throws Exception {
        fixture.resetNode(NODE);
        fixture.clearNamespace();
    }

    private Path cordonUnderLoad(String name, int port) throws Exception {
        Manifests.deploy(fixture.cluster, KwokApps.preferringNode("signalled", 1, "kwok-node-1", 1, true), 1);
        return fixture.experiment(name, """
                apiVersion: aftershock.dev/v1alpha1
                kind: Experiment
                metadata: {name: %s}
                spec:
                  duration: 2m
                  target: {namespace: NAMESPACE, workload: deployment/signalled}
                  load:
                    url: http://127.0.0.1:%d/
                    timeout: 5s
                    arrivals: [{hold: {rate: 20, for: 100s}}]
                  faults:
                    - {name: cordon, at: 1s, action: node-cordon, nodes: {names: [%s]}}
                """.formatted(name, port, NODE));
    }

    @Test
    void sigtermPutsTheNodeBackBeforeStoppingTheLoad() throws Exception {
        // Slow answers: requests are in flight when the signal comes, and stopping the load takes time.
        HttpServer server = LoopbackHttp.start(1_500, exchange -> {});
        try {
            Path experiment = cordonUnderLoad("signalled", server.getAddress().getPort());
            Process cli = fixture.start(experiment);
            await().atMost(Duration.ofSeconds(60)).until(() -> !fixture.schedulable(NODE));
            Thread.sleep(3_000);

            cli.destroy(); // SIGTERM
            assertThat(cli.waitFor(90, TimeUnit.SECONDS)).isTrue();

            assertThat(fixture.schedulable(NODE)).as(fixture.output(experiment)).isTrue();
            Journal journal = fixture.journal(experiment);
            assertThat(journal.run().outcome()).isEqualTo(RunInfo.Outcome.ABORTED);
            long recovered = at(journal, "fault", "recovered");
            long loadStopped = at(journal, "load", "stopped");
            assertThat(recovered).as("recovered before the load was stopped").isLessThanOrEqualTo(loadStopped);
        } finally {
            server.stop(0);
        }
    }

    /**
     * A SIGTERM while the run starts (its watches listing, its faults being prepared): nothing fires,
     * the run ends as aborted with its journal, and nothing is left. The signal's hook once stopped
     * the clock under the starting run, which then failed to schedule its timeline: no journal.
     */
    @Test
    void aSigtermWhileStartingEndsTheRunWithItsJournalAndNothingInjected() throws Exception {
        Path experiment = cordonUnderLoad("signalled-early", 9);
        Process cli = fixture.start(experiment);
        // The plan is printed just before the watches start.
        await().pollInterval(Duration.ofMillis(10))
                .atMost(Duration.ofSeconds(60))
                .until(() -> fixture.output(experiment).contains("at 1s cordon"));
        cli.destroy(); // SIGTERM
        assertThat(cli.waitFor(60, TimeUnit.SECONDS)).isTrue();

        assertThat(cli.exitValue()).as("the signal's status, as documented").isEqualTo(143);
        Journal journal = fixture.journal(experiment);
        assertThat(journal.run().outcome()).as(fixture.output(experiment)).isEqualTo(RunInfo.Outcome.ABORTED);
        assertThat(journal.faults().get(0).targets())
                .as("the cordon at 1s never fired")
                .allSatisfy(t -> assertThat(t.injectedAtMs()).isNull());
        assertThat(fixture.schedulable(NODE)).isTrue();
        fixture.awaitNoLiveRun();
        assertThat(fixture.recover().out()).contains("nothing to recover");
    }

    @Test
    void aRunThatCannotStartExitsAtOnce() throws Exception {
        Path experiment = cordonUnderLoad("cannot-start", 9);
        Process cli = fixture.start(experiment, Map.of("AFTERSHOCK_LOAD_DRIVER", "/nonexistent/driver.jar"));
        assertThat(cli.waitFor(30, TimeUnit.SECONDS))
                .as("a start-up failure must not wait for a journal")
                .isTrue();
        assertThat(cli.exitValue()).as(fixture.output(experiment)).isEqualTo(3);
        assertThat(fixture.output(experiment)).contains("driver.jar");
        assertThat(fixture.schedulable(NODE)).isTrue();
        fixture.awaitNoLiveRun();
        assertThat(fixture.recover().out()).contains("nothing to recover");
    }

    private static long at(Journal journal, String source, String kind) {
        return journal.events().stream()
                .filter(e -> e.source().equals(source) && e.kind().equals(kind))
                .mapToLong(TimelineEvent::t)
                .findFirst()
                .orElseThrow(() -> new AssertionError("no " + source + " " + kind + " event"));
    }
}
