package dev.aftershock.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.aftershock.cli.CliRun;
import dev.aftershock.journal.HypothesisResult;
import dev.aftershock.journal.Journal;
import dev.aftershock.journal.TargetRecord;
import dev.aftershock.testbed.LocalPrometheus;
import dev.aftershock.testbed.LoopbackPorts;
import dev.aftershock.testbed.TargetApps;
import dev.aftershock.testbed.TestCluster;
import dev.aftershock.testbed.TestbedExtension;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real traffic from the agent's Gatling driver to the target on the real nodes, a pod killed under
 * it, and the verdicts: a met SLO passes (exit 0), an impossible one fails naming the measured value
 * (exit 1), a sustained error rate aborts and rolls back (exit 3).
 */
@ExtendWith(TestbedExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LoadVerdictE2E {
    private static final int NODE_PORT = 30091;
    private RunFixture fixture;
    private String loadUrl;

    @BeforeAll
    void deployTarget(TestCluster cluster) throws Exception {
        fixture = new RunFixture(cluster);
        TargetApps.createAndAwaitReady(
                cluster,
                TargetApps.deployment(TargetApps.Template.of("target").spreadOverNodes(), 2),
                Duration.ofSeconds(90));
        cluster.core()
                .createNamespacedService(cluster.namespace(), TargetApps.nodePort("target", NODE_PORT, "Cluster"))
                .execute();
        loadUrl = "http://" + TargetApps.nodeIp("real-node-1") + ":" + NODE_PORT;
    }

    private static String slo(String limits) {
        return "- name: users-barely-notice\n  slo: {" + limits + "}";
    }

    /**
     * Each test kills a pod: the next one starts only once its replacement is Ready and the old one
     * gone (a clean-clone CI run once refused "2 of 2 pods down (1 already not ready)").
     */
    @BeforeEach
    void theTargetIsWhole() {
        await().atMost(Duration.ofSeconds(90)).until(() -> {
            var pods = fixture.cluster
                    .core()
                    .listNamespacedPod(fixture.cluster.namespace())
                    .labelSelector("app=target")
                    .execute()
                    .getItems();
            return pods.size() == 2
                    && pods.stream()
                            .allMatch(p -> p.getMetadata().getDeletionTimestamp() == null
                                    && p.getStatus().getConditions() != null
                                    && p.getStatus().getConditions().stream()
                                            .anyMatch(
                                                    c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus())));
        });
    }

    private Path experiment(String name, String path, String hypotheses, String abortFor) throws Exception {
        return experiment(name, path, hypotheses, abortFor, "");
    }

    private Path experiment(String name, String path, String hypotheses, String abortFor, String moreFaults)
            throws Exception {
        return fixture.experiment(
                name, """
                apiVersion: aftershock.dev/v1alpha1
                kind: Experiment
                metadata: {name: %1$s}
                spec:
                  duration: 30s
                  seed: 7
                  target: {namespace: NAMESPACE, workload: deployment/target, service: target}
                  load:
                    url: http://target.NAMESPACE.svc:8080%2$s
                    timeout: 2s
                    arrivals:
                      - ramp: {from: 2, to: 15, over: 8s}
                      - hold: {rate: 15, for: 20s}
                  faults:
                    - name: kill-one-pod
                      at: 12s
                      action: pod-kill
                      pods: {selector: {app: target}, pick: 1}
                %5$s
                  hypotheses:
                    %3$s
                  abort:
                    - {errorRate: 25%%, for: %4$s}
                  rollback: always
                """.formatted(name, path, hypotheses.replace("\n", "\n    "), abortFor, moreFaults));
    }

    @Test
    void aMetSloPassesWithTheLoadOnTheRunClock() throws Exception {
        Path file = experiment("met", "/work?cpuMs=2", slo("p99: 1500ms, errorRate: 5%"), "10s");
        CliRun run = fixture.run(file, "--load-url", loadUrl);
        assertThat(run.exitCode()).as(run.out() + run.err()).isZero();
        Journal journal = fixture.journal(file);
        assertThat(journal.load().totals().requests()).isGreaterThan(200);
        assertThat(journal.load().seconds()).hasSizeGreaterThan(20);
        assertThat(journal.hypotheses())
                .singleElement()
                .satisfies(h -> assertThat(h.verdict()).isEqualTo(HypothesisResult.Verdict.PASSED));
        assertThat(run.out()).contains("hypothesis users-barely-notice: passed");
    }

    @Test
    void anImpossibleSloExitsOneNamingTheHypothesisAndTheMeasuredValue() throws Exception {
        Path file = experiment("impossible", "/work?cpuMs=2", slo("p99: 1ms"), "10s");
        CliRun run = fixture.run(file, "--load-url", loadUrl);
        assertThat(run.exitCode()).as(run.out() + run.err()).isEqualTo(1);
        assertThat(run.out()).containsPattern("hypothesis users-barely-notice: failed: p99 \\d+ ms > 1ms");
    }

    @Test
    void aSustainedErrorRateAbortsWithExitThreeAfterRollingBack() throws Exception {
        // A node fault is active when the abort fires: the abort must put the node back.
        Path file = experiment(
                "abort",
                "/no-such-path",
                slo("errorRate: 1%"),
                "5s",
                "    - {name: cordon, at: 1s, action: node-cordon, nodes: {names: [kwok-node-3]}}");
        CliRun run = fixture.run(file, "--load-url", loadUrl);
        assertThat(run.exitCode()).as(run.out() + run.err()).isEqualTo(3);
        assertThat(run.err()).contains("abort: error rate > 25%");
        Journal journal = fixture.journal(file);
        assertThat(journal.abort().condition()).startsWith("error rate > 25%");
        assertThat(journal.rollback().failed()).isZero();
        TargetRecord cordon = RunFixture.onlyTarget(journal, "cordon");
        assertThat(cordon.state()).isEqualTo(TargetRecord.State.RECOVERED);
        // The abort is timed when it fired, and the rollback came after it, at once.
        assertThat(journal.abort().t())
                .as("the abort's time, before the recovery it caused")
                .isLessThanOrEqualTo(cordon.recoveredAtMs());
        assertThat(cordon.recoveredAtMs())
                .as("recovered at the abort")
                .isBetween(journal.abort().t(), journal.abort().t() + 1_000);
        assertThat(fixture.schedulable("kwok-node-3")).isTrue();
        assertThat(fixture.annotations("kwok-node-3")).doesNotContainKey("aftershock.dev/holders");
    }

    /**
     * A real Prometheus (Debian's) scrapes the agent's --metrics-port during the run; at the end the
     * run asks it two PromQL questions about the requests the load sent: one true, one false.
     */
    @Test
    void promQlHypothesesAreAskedOfARealPrometheusScrapingTheAgent(@TempDir Path dir) throws Exception {
        int metricsPort = LoopbackPorts.free();
        try (LocalPrometheus prometheus = LocalPrometheus.scraping(metricsPort, dir.resolve("prometheus"))) {
            Path file = experiment("promql", "/work?cpuMs=2", """
                    - name: requests-were-counted
                      prometheus: {query: 'max_over_time(aftershock_requests_total{outcome="ok"}[$RUN_DURATION])', above: 100}
                    - name: no-request-at-all
                      prometheus: {query: 'sum(aftershock_requests_total)', below: 1}""", "10s");
            CliRun run = fixture.run(
                    file,
                    "--load-url",
                    loadUrl,
                    "--metrics-port",
                    Integer.toString(metricsPort),
                    "--prometheus-url",
                    prometheus.url().toString());

            assertThat(run.exitCode()).as(run.out() + run.err()).isEqualTo(1);
            Journal journal = fixture.journal(file);
            assertThat(journal.hypotheses())
                    .extracting(HypothesisResult::name, HypothesisResult::verdict)
                    .containsExactly(
                            org.assertj.core.groups.Tuple.tuple(
                                    "requests-were-counted", HypothesisResult.Verdict.PASSED),
                            org.assertj.core.groups.Tuple.tuple("no-request-at-all", HypothesisResult.Verdict.FAILED));
            assertThat(run.out()).containsPattern("hypothesis no-request-at-all: failed: \\d+ is not below 1");
        }
    }
}
