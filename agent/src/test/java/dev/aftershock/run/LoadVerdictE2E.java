package dev.aftershock.run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aftershock.cli.CliRun;
import dev.aftershock.journal.HypothesisResult;
import dev.aftershock.journal.Journal;
import dev.aftershock.testbed.TargetApps;
import dev.aftershock.testbed.TestCluster;
import dev.aftershock.testbed.TestbedExtension;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

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

    private Path experiment(String name, String path, String slo, String abortFor) throws Exception {
        return fixture.experiment(name, """
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
                  hypotheses:
                    - name: users-barely-notice
                      slo: {%3$s}
                  abort:
                    - {errorRate: 25%%, for: %4$s}
                  rollback: always
                """.formatted(name, path, slo, abortFor));
    }

    @Test
    void aMetSloPassesWithTheLoadOnTheRunClock() throws Exception {
        Path file = experiment("met", "/work?cpuMs=2", "p99: 1500ms, errorRate: 5%", "10s");
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
        Path file = experiment("impossible", "/work?cpuMs=2", "p99: 1ms", "10s");
        CliRun run = fixture.run(file, "--load-url", loadUrl);
        assertThat(run.exitCode()).as(run.out() + run.err()).isEqualTo(1);
        assertThat(run.out()).containsPattern("hypothesis users-barely-notice: failed: p99 \\d+ ms > 1ms");
    }

    @Test
    void aSustainedErrorRateAbortsWithExitThreeAfterRollingBack() throws Exception {
        Path file = experiment("abort", "/no-such-path", "errorRate: 1%", "5s");
        CliRun run = fixture.run(file, "--load-url", loadUrl);
        assertThat(run.exitCode()).as(run.out() + run.err()).isEqualTo(3);
        assertThat(run.err()).contains("abort: error rate > 25%");
        Journal journal = fixture.journal(file);
        assertThat(journal.abort().condition()).startsWith("error rate > 25%");
        assertThat(journal.rollback().failed()).isZero();
    }
}
