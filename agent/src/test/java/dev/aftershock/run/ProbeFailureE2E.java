package dev.aftershock.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.aftershock.cli.CliRun;
import dev.aftershock.journal.Journal;
import dev.aftershock.journal.TargetRecord;
import dev.aftershock.testbed.TargetApps;
import dev.aftershock.testbed.TestCluster;
import dev.aftershock.testbed.Testbed;
import dev.aftershock.testbed.TestbedExtension;
import io.kubernetes.client.openapi.models.V1Pod;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * probe-failure on the real nodes, under load: the kubelet's probe of one pod fails through a node
 * helper pod while the pod spec, its owner and ordinary traffic are left alone; the helper reverts
 * when told to, and by its own deadline when the agent is killed.
 */
@ExtendWith(TestbedExtension.class)
class ProbeFailureE2E {
    private static final int NODE_PORT = 30092;
    private static final String APP = "probed";
    private final RunFixture fixture;
    private final TestCluster cluster;
    private final String loadUrl = "http://" + TargetApps.nodeIp("real-node-1") + ":" + NODE_PORT;

    ProbeFailureE2E(TestCluster cluster) throws Exception {
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

    private Path experiment(String name, String duration, String fault) throws Exception {
        return fixture.experiment(name, """
                apiVersion: aftershock.dev/v1alpha1
                kind: Experiment
                metadata: {name: %s}
                spec:
                  duration: %s
                  seed: 3
                  target: {namespace: NAMESPACE, workload: deployment/%s}
                  load:
                    url: http://%s.NAMESPACE.svc:8080/
                    timeout: 2s
                    arrivals:
                      - hold: {rate: 20, for: %s}
                  faults:
                    - %s
                  hypotheses:
                    - name: no-errors
                      slo: {errorRate: 1%%}
                  safety: {maxUnavailable: 1}
                """.formatted(name, duration, APP, APP, duration, fault));
    }

    private long generation() throws Exception {
        return cluster.apps()
                .readNamespacedDeployment(APP, cluster.namespace())
                .execute()
                .getMetadata()
                .getGeneration();
    }

    private V1Pod pod(String name) throws Exception {
        return cluster.core().readNamespacedPod(name, cluster.namespace()).execute();
    }

    @Test
    void aFailingReadinessProbeTakesThePodOutOfRotationWhileTheOtherTakesTheLoadAndItComesBack() throws Exception {
        deploy(TargetApps.Template.of(APP));
        long generationBefore = generation();
        Path file = experiment(
                "unready",
                "30s",
                "{name: unready, at: 6s, for: 12s, action: probe-failure, probe: readiness, pods: {selector: {app: "
                        + APP + "}, pick: 1}}");

        CompletableFuture<CliRun> running = CompletableFuture.supplyAsync(
                () -> fixture.run(file, "--load-url", loadUrl, "--helper-image", Testbed.helperImage()));
        // While the probe fails: every new connection lands on the other pod.
        String unready = awaitUnreadyPod(Duration.ofSeconds(40));
        // The pod's status says unready first; the EndpointSlice follows, and each kube-proxy applies
        // it within its sync period (1 s): a clean-clone CI once sent the first request in between.
        Thread.sleep(3_000);
        List<String> answeredBy = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            TargetApps.Answer a = TargetApps.get(loadUrl, Duration.ofSeconds(2));
            assertThat(a.answered()).as(a.failure()).isTrue();
            answeredBy.add(a.pod());
        }
        // The unready pod still answers its own port: only the kubelet's probe is refused.
        String podIp = pod(unready).getStatus().getPodIP();
        TargetApps.Answer direct = TargetApps.get("http://" + podIp + ":8080/ready", Duration.ofSeconds(2));
        CliRun run = running.get(90, TimeUnit.SECONDS);

        assertThat(run.exitCode()).as(run.out() + run.err()).isZero();
        assertThat(answeredBy).doesNotContain(unready).hasSize(12);
        assertThat(direct.status())
                .as("the pod's own answer to a request that is not the kubelet's")
                .isEqualTo(200);
        TargetRecord target = RunFixture.onlyTarget(fixture.journal(file), "unready");
        assertThat(target.name()).isEqualTo(unready);
        assertThat(target.state()).isEqualTo(TargetRecord.State.RECOVERED);
        double period = RunFixture.measured(target, "probe period");
        double left = RunFixture.measured(target, "left rotation after");
        System.out.printf(
                "probe-failure readiness: helper start to effective %.0f ms; left rotation %.0f ms after (probe period %.0f ms); back %.0f ms after recovery%n",
                RunFixture.measured(target, "helper start to effective"),
                left,
                period,
                RunFixture.measured(target, "back in rotation after recovery"));
        assertThat(left).as("out of the endpoints within 2 probe periods").isBetween(0.0, 2 * period);
        assertThat(RunFixture.measured(target, "back in rotation after recovery"))
                .isBetween(0.0, 10_000.0);
        assertThat(RunFixture.measured(target, "requests failed while it was leaving rotation"))
                .isZero();
        V1Pod after = pod(unready);
        assertThat(TargetApps.isReady(after)).isTrue();
        assertThat(after.getStatus().getContainerStatuses().get(0).getRestartCount())
                .isZero();
        assertThat(generation())
                .as("no rollout: the pod template did not change")
                .isEqualTo(generationBefore);
        assertThat(fixture.helpers()).as("the helper is gone").isEmpty();
    }

    /**
     * A tcpSocket probe is a connect from the node: refused when it comes from the pod's gateway
     * unrouted, while connections routed to the pod (the test's own, a NodePort's) still get in.
     */
    @Test
    void aFailingTcpReadinessProbeRefusesOnlyTheNodesConnect() throws Exception {
        deploy(TargetApps.Template.of(APP)
                .probes("readinessProbe: {tcpSocket: {port: 8080}, periodSeconds: 1, failureThreshold: 1}"));
        Path file = experiment(
                "unready-tcp",
                "25s",
                "{name: unready, at: 5s, for: 10s, action: probe-failure, probe: readiness, pods: {selector: {app: "
                        + APP + "}, pick: 1}}");

        CompletableFuture<CliRun> running = CompletableFuture.supplyAsync(
                () -> fixture.run(file, "--load-url", loadUrl, "--helper-image", Testbed.helperImage()));
        String unready = awaitUnreadyPod(Duration.ofSeconds(40));
        String podIp = pod(unready).getStatus().getPodIP();
        TargetApps.Answer direct = TargetApps.get("http://" + podIp + ":8080/ready", Duration.ofSeconds(2));
        CliRun run = running.get(90, TimeUnit.SECONDS);

        assertThat(run.exitCode()).as(run.out() + run.err()).isZero();
        assertThat(direct.status())
                .as("a routed connection gets in: %s", direct.failure())
                .isEqualTo(200);
        TargetRecord target = RunFixture.onlyTarget(fixture.journal(file), "unready");
        assertThat(target.state()).isEqualTo(TargetRecord.State.RECOVERED);
        assertThat(RunFixture.measured(target, "left rotation after")).isBetween(0.0, 2_000.0);
        assertThat(RunFixture.measured(target, "back in rotation after recovery"))
                .isBetween(0.0, 10_000.0);
        assertThat(fixture.helpers()).isEmpty();
    }

    @Test
    void aFailingLivenessProbeHasTheKubeletRestartTheContainerAndItIsReadyAgainAfterRecovery() throws Exception {
        // A short drain: the kubelet's kill waits for the container's graceful shutdown.
        deploy(TargetApps.Template.of(APP).env("DRAIN_TIMEOUT_SECONDS", "2").probes("""
                        readinessProbe: {httpGet: {path: /ready, port: 8080}, periodSeconds: 1, failureThreshold: 1}
                        livenessProbe: {httpGet: {path: /healthz, port: 8080}, periodSeconds: 1, failureThreshold: 2, initialDelaySeconds: 3}"""));
        V1Pod before = cluster.core()
                .listNamespacedPod(cluster.namespace())
                .labelSelector("app=" + APP)
                .execute()
                .getItems()
                .get(0);
        long generationBefore = generation();
        Path file = experiment(
                "unhealthy",
                "30s",
                "{name: unhealthy, at: 3s, for: 8s, action: probe-failure, probe: liveness, container: target,"
                        + " pods: {selector: {app: " + APP + "}, pick: 1}}");
        // The restarted pod leaves the rotation for a moment: the load's errors are not this test's point.
        file = fixture.experiment(
                "unhealthy", java.nio.file.Files.readString(file).replace("errorRate: 1%", "errorRate: 50%"));

        CliRun run = fixture.run(file, "--load-url", loadUrl, "--helper-image", Testbed.helperImage());

        assertThat(run.exitCode()).as(run.out() + run.err()).isZero();
        TargetRecord target = RunFixture.onlyTarget(fixture.journal(file), "unhealthy");
        assertThat(target.state()).isEqualTo(TargetRecord.State.RECOVERED);
        double restartedAfter = RunFixture.measured(target, "container restarted after");
        double killedAfter = RunFixture.measured(target, "killed by the kubelet after");
        System.out.printf(
                "probe-failure liveness: killed %.0f ms after, restarted %.0f ms after, %d restarts, ready %.0f ms after recovery%n",
                killedAfter,
                restartedAfter,
                (int) RunFixture.measured(target, "restarts while failing"),
                RunFixture.measured(target, "ready again after recovery"));
        // Events count whole seconds: the kill is known to the second.
        assertThat(killedAfter).as("2 failures 1 s apart, then the kill").isBetween(0.0, 4_000.0);
        assertThat(restartedAfter)
                .as("the kill, a 2 s drain at most, the restart")
                .isBetween(killedAfter, 10_000.0);
        assertThat(RunFixture.measured(target, "restarts while failing")).isGreaterThanOrEqualTo(1.0);
        assertThat(RunFixture.measured(target, "ready again after recovery")).isBetween(0.0, 20_000.0);
        V1Pod after = pod(target.name());
        assertThat(after.getMetadata().getUid())
                .as("the same pod, restarted in place")
                .isIn(uids());
        assertThat(after.getStatus().getContainerStatuses().get(0).getRestartCount())
                .isGreaterThanOrEqualTo(1);
        assertThat(generation()).isEqualTo(generationBefore);
        assertThat(before.getMetadata().getUid()).isNotNull();
        assertThat(fixture.journal(file).terminations())
                .isNotEmpty()
                .allSatisfy(t -> assertThat(t.how())
                        .startsWith("killed by the kubelet: its")
                        .contains("probe failed"));
        assertThat(fixture.helpers()).isEmpty();
    }

    /** Without a fault of the run: the kubelet's Killing Event tells the target's liveness failure from a crash. */
    @Test
    void aLivenessFailureOfTheTargetsOwnIsClassifiedAsSuch() throws Exception {
        // Nothing listens on port 9: once the initial delay is over, the first probe fails and kills.
        deploy(TargetApps.Template.of(APP).env("DRAIN_TIMEOUT_SECONDS", "2").probes("""
                        readinessProbe: {httpGet: {path: /ready, port: 8080}, periodSeconds: 1, failureThreshold: 1}
                        livenessProbe: {tcpSocket: {port: 9}, periodSeconds: 2, failureThreshold: 1, initialDelaySeconds: 25}"""));
        Path file = fixture.experiment("own-liveness", """
                apiVersion: aftershock.dev/v1alpha1
                kind: Experiment
                metadata: {name: own-liveness}
                spec:
                  duration: 40s
                  target: {namespace: NAMESPACE, workload: deployment/%s}
                  hypotheses:
                    - name: pods-stay
                      kube: {availableReplicasAtLeast: 0, within: 5s}
                """.formatted(APP));

        CliRun run = fixture.run(file);

        assertThat(run.exitCode()).as(run.out() + run.err()).isZero();
        Journal journal = fixture.journal(file);
        assertThat(journal.terminations()).isNotEmpty().allSatisfy(t -> {
            assertThat(t.causeText()).isEqualTo("other");
            assertThat(t.how()).startsWith("killed by the kubelet: its liveness probe failed (exit code ");
        });
        assertThat(journal.events()).anyMatch(e -> e.kind().equals("probe-kill"));
    }

    private List<String> uids() throws Exception {
        return cluster
                .core()
                .listNamespacedPod(cluster.namespace())
                .labelSelector("app=" + APP)
                .execute()
                .getItems()
                .stream()
                .map(p -> p.getMetadata().getUid())
                .toList();
    }

    @Test
    void aKilledAgentsProbeFailureEndsByTheHelpersDeadlineAndRecoverRemovesTheHelper() throws Exception {
        deploy(TargetApps.Template.of(APP));
        Path file = experiment(
                "orphaned",
                "2m",
                "{name: orphaned, at: 2s, for: 10s, action: probe-failure, probe: readiness, pods: {selector: {app: "
                        + APP + "}, pick: 1}}");
        Process cli = fixture.start(file, Map.of("AFTERSHOCK_HELPER_IMAGE", Testbed.helperImage()));
        String unready = awaitUnreadyPod(Duration.ofSeconds(40));
        Instant failing = Instant.now();
        cli.destroyForcibly(); // SIGKILL: no hook runs, nothing reverts the probe but the helper itself
        assertThat(cli.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(fixture.helpers()).hasSize(1);

        // The fault's end (10 s) plus the helper's 15 s margin: the kubelet stops the helper, which reverts.
        await().atMost(Duration.ofSeconds(45))
                .pollInterval(Duration.ofMillis(500))
                .until(() -> TargetApps.isReady(pod(unready)));
        long readyAfter = Duration.between(failing, Instant.now()).toSeconds();
        System.out.printf("probe-failure: ready again %d s after the agent was killed, without recover%n", readyAfter);
        assertThat(readyAfter).as("by the helper's own deadline").isBetween(10L, 40L);

        fixture.awaitNoLiveRun();
        CliRun recover = fixture.recover("--helper-image", Testbed.helperImage());
        assertThat(recover.exitCode()).as(recover.out() + recover.err()).isZero();
        assertThat(recover.out())
                .contains("recovered pod " + cluster.namespace() + "/" + unready)
                .contains("reverted");
        assertThat(fixture.helpers()).isEmpty();
    }

    /** A rule in place is not the fault: a startup probe the kubelet no longer runs never fails, and the run says so. */
    @Test
    void aProbeTheKubeletNeverActsOnIsReportedAsNotInjectedAndTheRunDoesNotPass() throws Exception {
        deploy(TargetApps.Template.of(APP).probes("""
                        readinessProbe: {httpGet: {path: /ready, port: 8080}, periodSeconds: 1, failureThreshold: 1}
                        startupProbe: {httpGet: {path: /healthz, port: 8080}, periodSeconds: 1, failureThreshold: 2}"""));
        Path file = experiment(
                "startup-late",
                "25s",
                "{name: startup, at: 2s, for: 12s, action: probe-failure, probe: startup, pods: {selector: {app: " + APP
                        + "}, pick: 1}}");

        CliRun run = fixture.run(file, "--load-url", loadUrl, "--helper-image", Testbed.helperImage());

        assertThat(run.exitCode()).as(run.out() + run.err()).isNotZero();
        TargetRecord target = RunFixture.onlyTarget(fixture.journal(file), "startup");
        assertThat(target.state()).isEqualTo(TargetRecord.State.INJECTION_FAILED);
        assertThat(run.out() + run.err()).contains("a startup probe runs only while its container starts");
        assertThat(fixture.helpers())
                .as("the helper was told to revert and deleted")
                .isEmpty();
    }

    @Test
    void withoutHelpersOrInANamespaceThatRefusesPrivilegedPodsTheRunIsRefusedBeforeAnythingIsTouched()
            throws Exception {
        deploy(TargetApps.Template.of(APP));
        Path file = experiment(
                "refused",
                "20s",
                "{name: refused, at: 2s, action: probe-failure, probe: readiness, pods: {selector: {app: " + APP
                        + "}, pick: 1}}");
        String restricted = cluster.namespace() + "-restricted";
        cluster.core()
                .createNamespace(new io.kubernetes.client.openapi.models.V1Namespace()
                        .metadata(new io.kubernetes.client.openapi.models.V1ObjectMeta()
                                .name(restricted)
                                .labels(Map.of("pod-security.kubernetes.io/enforce", "restricted"))))
                .execute();
        try {
            // As from a shell that never set AFTERSHOCK_HELPER_IMAGE (the testbed's test run has it).
            Map<String, String> noImage = new java.util.HashMap<>();
            noImage.put("AFTERSHOCK_HELPER_IMAGE", null);
            Process off = fixture.start(file, noImage);
            assertThat(off.waitFor(60, TimeUnit.SECONDS)).isTrue();
            String offOutput = fixture.output(file);
            CliRun refusedThere = fixture.run(
                    file,
                    "--load-url",
                    loadUrl,
                    "--helper-image",
                    Testbed.helperImage(),
                    "--helper-namespace",
                    restricted);

            assertThat(off.exitValue()).as(offOutput).isEqualTo(2);
            assertThat(offOutput).contains("fault refused needs a node helper: node helpers are off");
            assertThat(refusedThere.exitCode())
                    .as(refusedThere.out() + refusedThere.err())
                    .isEqualTo(2);
            assertThat(refusedThere.err())
                    .contains("namespace " + restricted + " refuses the node helper pod")
                    .contains("PodSecurity");
            assertThat(fixture.helpers()).isEmpty();
            assertThat(cluster.core()
                            .listNamespacedPod(cluster.namespace())
                            .execute()
                            .getItems())
                    .allMatch(TargetApps::isReady);
        } finally {
            cluster.core().deleteNamespace(restricted).execute();
        }
    }

    /** The first pod of the app that is not Ready (its probe fails), once one is. */
    private String awaitUnreadyPod(Duration within) {
        List<String> found = new ArrayList<>();
        await().atMost(within).pollInterval(Duration.ofMillis(200)).until(() -> {
            for (V1Pod p : cluster.core()
                    .listNamespacedPod(cluster.namespace())
                    .labelSelector("app=" + APP)
                    .execute()
                    .getItems()) {
                if (!TargetApps.isReady(p)) {
                    found.add(p.getMetadata().getName());
                    return true;
                }
            }
            return false;
        });
        return found.get(0);
    }
}
