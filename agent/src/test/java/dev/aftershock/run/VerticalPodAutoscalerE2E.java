package dev.aftershock.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.aftershock.cli.CliRun;
import dev.aftershock.journal.HypothesisResult;
import dev.aftershock.journal.Journal;
import dev.aftershock.testbed.TargetApps;
import dev.aftershock.testbed.TestCluster;
import dev.aftershock.testbed.TestVpas;
import dev.aftershock.testbed.TestbedExtension;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The vpa hypothesis against the testbed's VPA recommender (every 10 s, its default floors: 25m of
 * CPU and 250Mi of memory a pod) on the real nodes, under a steady load: the recommendation comes
 * during the run and covers the use; a bound no recommender meets fails, naming both sides.
 */
@ExtendWith(TestbedExtension.class)
class VerticalPodAutoscalerE2E {
    private static final int NODE_PORT = 30095;
    private static final String APP = "sized";
    private final RunFixture fixture;
    private final TestCluster cluster;
    private final String loadUrl = "http://" + TargetApps.nodeIp("real-node-1") + ":" + NODE_PORT;

    VerticalPodAutoscalerE2E(TestCluster cluster) throws Exception {
        this.cluster = cluster;
        this.fixture = new RunFixture(cluster);
    }

    @AfterEach
    void clear() throws Exception {
        cluster.core().deleteNamespacedService(APP, cluster.namespace()).execute();
        TestVpas.delete(cluster, APP);
        fixture.clearNamespace();
    }

    private void deployTarget() throws Exception {
        TargetApps.createAndAwaitReady(
                cluster,
                TargetApps.deployment(TargetApps.Template.of(APP).spreadOverNodes(), 2),
                Duration.ofSeconds(90));
        cluster.core()
                .createNamespacedService(cluster.namespace(), TargetApps.nodePort(APP, NODE_PORT, "Cluster"))
                .execute();
        await().atMost(Duration.ofSeconds(30))
                .until(() -> TargetApps.get(loadUrl, Duration.ofSeconds(2)).answered());
    }

    private Path experiment(String name, String duration, String vpa) throws Exception {
        return fixture.experiment(name, """
                apiVersion: aftershock.dev/v1alpha1
                kind: Experiment
                metadata: {name: %s}
                spec:
                  duration: %s
                  seed: 5
                  target: {namespace: NAMESPACE, workload: deployment/%s}
                  load:
                    url: http://%s.NAMESPACE.svc:8080/
                    timeout: 2s
                    arrivals:
                      - hold: {rate: 20, for: %s}
                  hypotheses:
                    - name: right-sized
                      vpa: %s
                """.formatted(name, duration, APP, APP, duration, vpa));
    }

    @Test
    void aRecommendationUnderLoadIsJudgedAgainstTheUseAndAnImpossibleBoundFails() throws Exception {
        deployTarget();
        // The VPA is new: its first recommendation comes during the run (a few seconds here, up to a minute:
        // the recommender needs its first metrics samples). Memory: the recommender's
        // floor (250Mi) over the target's working set of about 50 MiB; CPU: at least its 25m floor.
        Path sensible = experiment(
                "vpa-sensible",
                "60s",
                "{recommendationWithin: 55s, target: {memory: {coversPeak: true, maxOverProvision: 1000%},"
                        + " cpu: {maxOverProvision: 10000%}}}");

        // Created once the run's clock has started (its first progress line comes a second in), so its
        // first recommendation cannot come while the run is still starting: the recommender, every 10 s
        // here, could otherwise recommend before the run's watches have listed, and the run then rightly
        // cannot say how soon the recommendation came.
        RunFixture.BackgroundRun started = fixture.start(sensible, "--load-url", loadUrl);
        started.awaitOutput("T+0:00", Duration.ofSeconds(90));
        TestVpas.create(cluster, APP);
        CliRun run = started.finished();

        Journal journal = fixture.journal(sensible);
        HypothesisResult judged = journal.hypotheses().get(0);
        System.out.printf("vpa, sensible: %s: %s%n", judged.verdict(), judged.measured());
        assertThat(run.exitCode()).as(run.out() + run.err()).isZero();
        assertThat(judged.verdict()).isEqualTo(HypothesisResult.Verdict.PASSED);
        assertThat(judged.evidence())
                .anySatisfy(m -> assertThat(m.name()).isEqualTo("first recommendation after"))
                .anySatisfy(m -> assertThat(m.name()).isEqualTo("target memory target"));
        assertThat(journal.series())
                .anySatisfy(s -> assertThat(s.name()).isEqualTo("vpa/" + APP + "/target/memory-target"))
                .anySatisfy(s -> assertThat(s.name()).startsWith("cpu/"));

        // No recommender's memory target is its container's peak working set, to the byte.
        Path impossible =
                experiment("vpa-impossible", "20s", "{target: {memory: {coversPeak: true, maxOverProvision: 0%}}}");

        CliRun failed = fixture.run(impossible, "--load-url", loadUrl);

        HypothesisResult refused = fixture.journal(impossible).hypotheses().get(0);
        System.out.printf("vpa, impossible: %s: %s%n", refused.verdict(), refused.measured());
        assertThat(failed.exitCode()).as(failed.out() + failed.err()).isNotZero();
        assertThat(refused.verdict()).isEqualTo(HypothesisResult.Verdict.FAILED);
        assertThat(refused.expected()).isEqualTo("memory target at least the peak used, at most 0% above it");
        assertThat(refused.measured()).contains("target memory target").contains("is more than 0% above the peak used");
    }
}
