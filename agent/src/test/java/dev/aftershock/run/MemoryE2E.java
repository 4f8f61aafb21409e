package dev.aftershock.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.aftershock.cli.CliRun;
import dev.aftershock.journal.Journal;
import dev.aftershock.journal.TargetRecord;
import dev.aftershock.testbed.TargetApps;
import dev.aftershock.testbed.TestCluster;
import dev.aftershock.testbed.TestVpas;
import dev.aftershock.testbed.Testbed;
import dev.aftershock.testbed.TestbedExtension;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Memory faults on the real nodes, under load: a container's memory grown until the kernel OOM-kills it. */
@ExtendWith(TestbedExtension.class)
class MemoryE2E {
    private static final int NODE_PORT = 30094;
    private static final String APP = "leaking";
    private final RunFixture fixture;
    private final TestCluster cluster;
    private final String loadUrl = "http://" + TargetApps.nodeIp("real-node-1") + ":" + NODE_PORT;

    MemoryE2E(TestCluster cluster) throws Exception {
        this.cluster = cluster;
        this.fixture = new RunFixture(cluster);
    }

    @AfterEach
    void clear() throws Exception {
        cluster.core().deleteNamespacedService(APP, cluster.namespace()).execute();
        TestVpas.delete(cluster, APP);
        fixture.clearNamespace();
    }

    /** Two pods of the template (requests 96Mi, limit 256Mi), one on each real node, behind a NodePort. */
    private void deploy() throws Exception {
        deploy(TargetApps.Template.of(APP));
    }

    private void deploy(TargetApps.Template template) throws Exception {
        TargetApps.createAndAwaitReady(
                cluster, TargetApps.deployment(template.spreadOverNodes(), 2), Duration.ofSeconds(90));
        cluster.core()
                .createNamespacedService(cluster.namespace(), TargetApps.nodePort(APP, NODE_PORT, "Cluster"))
                .execute();
        await().atMost(Duration.ofSeconds(30))
                .until(() -> TargetApps.get(loadUrl, Duration.ofSeconds(2)).answered());
    }

    /**
     * With a VPA: the recommender counts the OOM kill as a sample above what the container had (its
     * request here: 200Mi, plus at least 100Mi), well over its floor of 250Mi a pod, so its memory
     * target rises within its 10 s loop.
     */
    @Test
    void aContainerWhoseMemoryGrowsIsOomKilledRestartedAndReadyAgainUnderLoad() throws Exception {
        deploy(TargetApps.Template.of(APP)
                .resources("{requests: {cpu: 100m, memory: 200Mi}, limits: {memory: 256Mi}}"));
        TestVpas.create(cluster, APP);
        await().atMost(Duration.ofSeconds(120))
                .pollInterval(Duration.ofSeconds(2))
                .until(() -> TestVpas.memoryTarget(cluster, APP).isPresent());
        Path file = fixture.experiment("oom", """
                apiVersion: aftershock.dev/v1alpha1
                kind: Experiment
                metadata: {name: oom}
                spec:
                  duration: 45s
                  seed: 3
                  target: {namespace: NAMESPACE, workload: deployment/%s}
                  load:
                    url: http://%s.NAMESPACE.svc:8080/
                    timeout: 2s
                    arrivals:
                      - hold: {rate: 20, for: 45s}
                  faults:
                    - {name: leak, at: 5s, action: memory-oom, rate: 64Mi/s, for: 15s, pods: {selector: {app: %s}, pick: 1}}
                  hypotheses:
                    - name: most-requests-served
                      slo: {errorRate: 20%%}
                  safety: {maxUnavailable: 1}
                """.formatted(APP, APP, APP));

        CliRun run = fixture.run(file, "--load-url", loadUrl, "--helper-image", Testbed.helperImage());

        assertThat(run.exitCode()).as(run.out() + run.err()).isZero();
        Journal journal = fixture.journal(file);
        TargetRecord target = RunFixture.onlyTarget(journal, "leak");
        double killedAfter = RunFixture.measured(target, "oom-killed after");
        System.out.printf(
                "memory-oom at 64Mi/s into a 256Mi limit: killed %.0f ms after, %.0f MiB grown, restarted %.0f ms after,"
                        + " ready again %.0f ms after, %.0f of %.0f requests failed until the restart%n",
                killedAfter,
                RunFixture.measured(target, "memory grown"),
                RunFixture.measured(target, "container restarted after"),
                RunFixture.measured(target, "ready again after"),
                RunFixture.measured(target, "requests failed until its restart"),
                RunFixture.measured(target, "requests until its restart"));
        // 256Mi at 64Mi/s, less what the JVM already holds: about 3 s, but on a busy node the
        // helper's writes fall behind the rate (a clean-clone CI measured 211 MiB in 7.7 s).
        assertThat(killedAfter).isBetween(500.0, 15_000.0);
        assertThat(RunFixture.measured(target, "memory grown")).isBetween(64.0, 256.0);
        assertThat(RunFixture.measured(target, "container restarted after")).isGreaterThan(killedAfter);
        assertThat(RunFixture.measured(target, "ready again after")).isGreaterThan(killedAfter);
        assertThat(RunFixture.measured(target, "requests until its restart")).isGreaterThan(0.0);
        double before = RunFixture.measured(target, "vpa memory target before");
        System.out.printf(
                "VPA memory target %.0f MiB before, %.0f MiB after, rose %.0f ms after the kill%n",
                before,
                RunFixture.measured(target, "vpa memory target after"),
                RunFixture.measured(target, "vpa memory target rose after"));
        assertThat(before).isPositive();
        assertThat(RunFixture.measured(target, "vpa memory target after")).isGreaterThan(before);
        assertThat(RunFixture.measured(target, "vpa memory target rose after")).isBetween(0.0, 30_000.0);
        var pod = cluster.core()
                .readNamespacedPod(target.name(), cluster.namespace())
                .execute();
        var status = pod.getStatus().getContainerStatuses().get(0);
        assertThat(status.getLastState().getTerminated().getReason()).isEqualTo("OOMKilled");
        assertThat(status.getRestartCount()).isEqualTo(1);
        assertThat(journal.terminations()).singleElement().satisfies(t -> {
            assertThat(t.causeText()).isEqualTo("memory-oom leak");
            assertThat(t.pod()).isEqualTo(target.name());
            assertThat(t.signalled()).isTrue();
            assertThat(t.exitedAfterMs()).isZero();
            assertThat(t.how()).isEqualTo("OOMKilled");
            assertThat(t.qos()).isEqualTo("Burstable");
        });
        assertThat(journal.series())
                .as("the target container's memory, sampled from the metrics API for the report's chart")
                .anySatisfy(s -> {
                    assertThat(s.name()).isEqualTo("memory/" + target.name() + "/target");
                    assertThat(s.unit()).isEqualTo("MiB");
                    assertThat(s.points()).isNotEmpty();
                })
                .anySatisfy(s -> {
                    assertThat(s.name()).isEqualTo("memory/" + target.name() + "/target/limit");
                    assertThat(s.points()).extracting(p -> p.v()).containsOnly(256.0);
                });
        assertThat(fixture.helpers())
                .as("the helper lets its memory go at the kill and is deleted")
                .isEmpty();
    }

    /** A growth too slow to reach the limit within `for` is no OOM kill: the run does not pass. */
    @Test
    void aContainerNotKilledWithinForIsNotInjectedAndTheHelperLetsItsMemoryGo() throws Exception {
        deploy();
        Path file = fixture.experiment("no-oom", """
                apiVersion: aftershock.dev/v1alpha1
                kind: Experiment
                metadata: {name: no-oom}
                spec:
                  duration: 20s
                  seed: 3
                  target: {namespace: NAMESPACE, workload: deployment/%s}
                  faults:
                    - {name: slow, at: 2s, action: memory-oom, rate: 2Mi/s, for: 5s, pods: {selector: {app: %s}, pick: 1}}
                  hypotheses:
                    - name: pods-stay
                      kube: {availableReplicasAtLeast: 1, within: 5s}
                  safety: {maxUnavailable: 1}
                """.formatted(APP, APP));

        CliRun run = fixture.run(file, "--helper-image", Testbed.helperImage());

        assertThat(run.exitCode()).as(run.out() + run.err()).isNotZero();
        TargetRecord target = RunFixture.onlyTarget(fixture.journal(file), "slow");
        assertThat(target.state()).isEqualTo(TargetRecord.State.INJECTION_FAILED);
        assertThat(target.message())
                .contains("yet the kernel did not OOM-kill its process")
                .contains("not killed");
        // `for` counts from the injection's start, the helper's start (about 3 s here) included.
        assertThat(RunFixture.measured(target, "memory grown")).isBetween(1.0, 10.0);
        assertThat(fixture.journal(file).terminations()).isEmpty();
        var pod = cluster.core()
                .readNamespacedPod(target.name(), cluster.namespace())
                .execute();
        assertThat(pod.getStatus().getContainerStatuses().get(0).getRestartCount())
                .isZero();
        assertThat(fixture.helpers()).isEmpty();
    }
}
