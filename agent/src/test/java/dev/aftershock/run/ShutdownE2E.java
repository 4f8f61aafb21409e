package dev.aftershock.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.aftershock.cli.CliRun;
import dev.aftershock.journal.HypothesisResult;
import dev.aftershock.journal.Journal;
import dev.aftershock.journal.TargetRecord;
import dev.aftershock.testbed.TargetApps;
import dev.aftershock.testbed.TestCluster;
import dev.aftershock.testbed.Testbed;
import dev.aftershock.testbed.TestbedExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * SIGTERM timing on the real nodes, under load: a signal straight to a container's main process
 * while its pod is still an endpoint (container-signal), against a target that drains well and one
 * that exits at once; and a rolling restart as `kubectl rollout restart` makes it.
 */
@ExtendWith(TestbedExtension.class)
class ShutdownE2E {
    private static final int NODE_PORT = 30093;
    private static final String APP = "stopping";
    private final RunFixture fixture;
    private final TestCluster cluster;
    private final String loadUrl = "http://" + TargetApps.nodeIp("real-node-1") + ":" + NODE_PORT;

    ShutdownE2E(TestCluster cluster) throws Exception {
        this.cluster = cluster;
        this.fixture = new RunFixture(cluster);
    }

    @AfterEach
    void clear() throws Exception {
        cluster.core().deleteNamespacedService(APP, cluster.namespace()).execute();
        fixture.clearNamespace();
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

    private Path experiment(String name, String fault) throws Exception {
        return experiment(name, fault, "/", 20, "");
    }

    /** With {@code more} hypotheses after the no-errors SLO, and the load on {@code path} at {@code rate}. */
    private Path experiment(String name, String fault, String path, int rate, String more) throws Exception {
        return fixture.experiment(name, """
                apiVersion: aftershock.dev/v1alpha1
                kind: Experiment
                metadata: {name: %s}
                spec:
                  duration: 25s
                  seed: 5
                  target: {namespace: NAMESPACE, workload: deployment/%s}
                  load:
                    url: http://%s.NAMESPACE.svc:8080%s
                    timeout: 2s
                    arrivals:
                      - hold: {rate: %d, for: 25s}
                  faults:
                    - %s
                  hypotheses:
                    - name: no-errors
                      slo: {errorRate: 0%%}
                %s
                  safety: {maxUnavailable: 1}
                """.formatted(name, APP, APP, path, rate, fault, more));
    }

    private static String sigterm() {
        return "{name: sigterm, at: 5s, action: container-signal, signal: SIGTERM, pods: {selector: {app: " + APP
                + "}, pick: 1}}";
    }

    @Test
    void sigtermToAWellBehavedContainerFailsNoRequestAndItsExitIsMeasured() throws Exception {
        // Stops being ready, serves on for 3 s (the readiness probe takes it out within 2), drains, exits.
        deploy(TargetApps.Template.of(APP).env("SHUTDOWN_DELAY_MS", "3000").env("DRAIN_TIMEOUT_SECONDS", "2"));
        Path file = experiment("sigterm-drains", sigterm(), "/", 20, GRACEFUL);

        CliRun run = fixture.run(file, "--load-url", loadUrl, "--helper-image", Testbed.helperImage());

        assertThat(run.exitCode()).as(run.out() + run.err()).isZero();
        TargetRecord target = RunFixture.onlyTarget(fixture.journal(file), "sigterm");
        double exited = RunFixture.measured(target, "process exited after");
        System.out.printf(
                "container-signal SIGTERM (drains): exited %.0f ms after, out of rotation %.0f ms after, exit code %.0f, failed %.0f%n",
                exited,
                RunFixture.measured(target, "left rotation after"),
                RunFixture.measured(target, "exit code"),
                RunFixture.measured(target, "requests failed while it was leaving rotation"));
        assertThat(exited).as("the 3 s delay, then the drain").isBetween(3_000.0, 8_000.0);
        assertThat(RunFixture.measured(target, "left rotation after")).isLessThan(exited);
        assertThat(RunFixture.measured(target, "exit code")).isEqualTo(143);
        assertThat(RunFixture.measured(target, "requests failed while it was leaving rotation"))
                .isZero();
        // After the 3 s delay: the restart is timed from when the agent learnt of the signal, the exit by
        // the node's clock, so the two differ by the helper's report (once 4.50 s against 4.57 s).
        assertThat(RunFixture.measured(target, "container restarted after")).isGreaterThan(3_000.0);
        assertThat(fixture.helpers()).isEmpty();
        Journal journal = fixture.journal(file);
        assertThat(journal.terminations()).singleElement().satisfies(t -> {
            assertThat(t.signalled()).isTrue();
            assertThat(t.causeText()).isEqualTo("container-signal sigterm");
            assertThat(t.exitedInRotation()).isFalse();
        });
        assertThat(verdict(journal, "graceful").verdict()).isEqualTo(HypothesisResult.Verdict.PASSED);
    }

    @Test
    void sigtermToAContainerThatExitsAtOnceCountsTheRequestsThatFailedWhileItWasStillListed() throws Exception {
        deploy(TargetApps.Template.of(APP).env("ON_SIGTERM", "exit"));
        Path file = experiment("sigterm-exits", sigterm());

        CliRun run = fixture.run(file, "--load-url", loadUrl, "--helper-image", Testbed.helperImage());

        TargetRecord target = RunFixture.onlyTarget(fixture.journal(file), "sigterm");
        double failed = RunFixture.measured(target, "requests failed while it was leaving rotation");
        System.out.printf(
                "container-signal SIGTERM (exits at once): exited %.0f ms after, out of rotation %.0f ms after, failed %.0f%n",
                RunFixture.measured(target, "process exited after"),
                RunFixture.measured(target, "left rotation after"),
                failed);
        assertThat(run.exitCode()).as("the no-errors SLO fails: " + run.out()).isEqualTo(1);
        assertThat(RunFixture.measured(target, "process exited after")).isBetween(0.0, 1_000.0);
        assertThat(failed).as("connections refused until the probe took it out").isGreaterThanOrEqualTo(1.0);
        assertThat(fixture.helpers()).isEmpty();
    }

    @Test
    void aContainerThatIgnoresSigtermIsStillRunningAtTheEndAndTheHelperIsClearedAway() throws Exception {
        deploy(TargetApps.Template.of(APP).env("ON_SIGTERM", "ignore"));
        // The SLO is not what this test is about: on this busy 2-core machine a few requests have timed
        // out around a helper's start (CI once: 6 of 500, at 2 s).
        Path file = experiment("sigterm-ignored", sigterm());
        file = fixture.experiment(
                "sigterm-ignored", java.nio.file.Files.readString(file).replace("errorRate: 0%", "errorRate: 5%"));

        CliRun run = fixture.run(file, "--load-url", loadUrl, "--helper-image", Testbed.helperImage());

        assertThat(run.exitCode()).as(run.out() + run.err()).isZero();
        TargetRecord target = RunFixture.onlyTarget(fixture.journal(file), "sigterm");
        assertThat(RunFixture.measured(target, "process exited after"))
                .as("it never exited")
                .isNaN();
        assertThat(RunFixture.measured(target, "container restarted after")).isNaN();
        assertThat(cluster.core()
                        .listNamespacedPod(cluster.namespace())
                        .labelSelector("app=" + APP)
                        .execute()
                        .getItems())
                .allSatisfy(p -> assertThat(
                                p.getStatus().getContainerStatuses().get(0).getRestartCount())
                        .isZero());
        assertThat(fixture.helpers())
                .as("asked to stop at the run's end, and deleted")
                .isEmpty();
    }

    @Test
    void sigkillEndsEvenAContainerThatIgnoresSigtermAtOnce() throws Exception {
        deploy(TargetApps.Template.of(APP).env("ON_SIGTERM", "ignore"));
        Path file = experiment(
                "sigkill",
                "{name: sigterm, at: 5s, action: container-signal, signal: SIGKILL, pods: {selector: {app: " + APP
                        + "}, pick: 1}}");
        file = fixture.experiment(
                "sigkill", java.nio.file.Files.readString(file).replace("errorRate: 0%", "errorRate: 50%"));

        CliRun run = fixture.run(file, "--load-url", loadUrl, "--helper-image", Testbed.helperImage());

        assertThat(run.exitCode()).as(run.out() + run.err()).isZero();
        TargetRecord target = RunFixture.onlyTarget(fixture.journal(file), "sigterm");
        assertThat(RunFixture.measured(target, "process exited after")).isBetween(0.0, 500.0);
        assertThat(RunFixture.measured(target, "exit code")).isEqualTo(137);
        assertThat(fixture.helpers()).isEmpty();
    }

    /** Every pod termination: no failed request, out of rotation before its process exits, over within 20 s. */
    private static final String GRACEFUL = """
                - name: graceful
                  shutdown: {maxFailedRequests: 0, outOfRotationBeforeExit: true, maxTerminationTime: 20s}
            """;

    private static HypothesisResult verdict(Journal journal, String name) {
        return journal.hypotheses().stream()
                .filter(h -> h.name().equals(name))
                .findFirst()
                .orElseThrow();
    }

    @Test
    void aRolloutRestartReplacesEveryPodAndIsFollowedToItsEnd() throws Exception {
        deploy(TargetApps.Template.of(APP).env("SHUTDOWN_DELAY_MS", "3000").env("DRAIN_TIMEOUT_SECONDS", "2"));
        List<String> before = uids();
        List<String> names = podNames();
        long generation = generation();
        Path file = experiment(
                "restart", "{name: restart, at: 3s, action: rollout-restart}", "/work?sleepMs=200", 40, GRACEFUL);

        CliRun run = fixture.run(file, "--load-url", loadUrl);

        assertThat(run.exitCode()).as(run.out() + run.err()).isZero();
        Journal journal = fixture.journal(file);
        System.out.println(
                "rollout-restart (drains): " + verdict(journal, "graceful").measured());
        assertThat(journal.terminations())
                .as("both old pods, by the rollout")
                .hasSize(2)
                .allSatisfy(t -> {
                    assertThat(t.causeText()).isEqualTo("rollout-restart restart");
                    assertThat(names).contains(t.pod());
                    assertThat(t.failedRequests()).isZero();
                    assertThat(t.outOfRotationAfterMs()).isLessThan(t.exitedAfterMs());
                    assertThat(t.goneAfterMs()).isBetween(3_000L, 20_000L);
                });
        assertThat(verdict(journal, "graceful").verdict()).isEqualTo(HypothesisResult.Verdict.PASSED);
        TargetRecord target = RunFixture.onlyTarget(fixture.journal(file), "restart");
        double took = RunFixture.measured(target, "rollout took");
        System.out.printf("rollout-restart: the rollout took %.0f ms%n", took);
        assertThat(took).isBetween(1_000.0, 20_000.0);
        assertThat(generation()).isEqualTo(generation + 1);
        assertThat(uids()).hasSize(2).doesNotContainAnyElementsOf(before);
        var template = cluster.apps()
                .readNamespacedDeployment(APP, cluster.namespace())
                .execute()
                .getSpec()
                .getTemplate()
                .getMetadata()
                .getAnnotations();
        assertThat(template).containsKey("kubectl.kubernetes.io/restartedAt");
    }

    @Test
    void aRolloutRestartOfATargetThatExitsAtOnceFailsTheShutdownHypothesisNamingPodsAndCounts() throws Exception {
        // No preStop delay and no drain: SIGTERM ends the process while its requests are in flight.
        deploy(TargetApps.Template.of(APP).env("ON_SIGTERM", "exit"));
        List<String> before = podNames();
        Path file = experiment(
                "restart-abrupt",
                "{name: restart, at: 3s, action: rollout-restart}",
                "/work?sleepMs=200",
                40,
                GRACEFUL);

        CliRun run = fixture.run(file, "--load-url", loadUrl);

        assertThat(run.exitCode()).as(run.out() + run.err()).isEqualTo(1);
        Journal journal = fixture.journal(file);
        HypothesisResult graceful = verdict(journal, "graceful");
        System.out.println("rollout-restart (exits at once): " + graceful.measured());
        assertThat(graceful.verdict()).isEqualTo(HypothesisResult.Verdict.FAILED);
        assertThat(journal.terminations())
                .hasSize(2)
                .allSatisfy(t -> assertThat(before).contains(t.pod()));
        List<dev.aftershock.journal.Termination> failing = journal.terminations().stream()
                .filter(t -> t.failedRequests() > 0)
                .toList();
        assertThat(failing).as("requests in flight when the process exited").isNotEmpty();
        for (var t : failing) {
            assertThat(graceful.measured())
                    .contains("pod %s (rollout-restart restart): %d of %d requests failed"
                            .formatted(t.pod(), t.failedRequests(), t.requests()));
        }
    }

    private long generation() throws Exception {
        return cluster.apps()
                .readNamespacedDeployment(APP, cluster.namespace())
                .execute()
                .getMetadata()
                .getGeneration();
    }

    private List<String> podNames() throws Exception {
        return pods().stream().map(p -> p.getMetadata().getName()).toList();
    }

    private List<String> uids() throws Exception {
        return pods().stream()
                .filter(p -> p.getMetadata().getDeletionTimestamp() == null)
                .map(p -> p.getMetadata().getUid())
                .toList();
    }

    private List<io.kubernetes.client.openapi.models.V1Pod> pods() throws Exception {
        return cluster.core()
                .listNamespacedPod(cluster.namespace())
                .labelSelector("app=" + APP)
                .execute()
                .getItems();
    }
}
