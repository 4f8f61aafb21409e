package dev.aftershock.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.aftershock.cli.CliRun;
import dev.aftershock.journal.TargetRecord;
import dev.aftershock.testbed.TargetApps;
import dev.aftershock.testbed.TestCluster;
import dev.aftershock.testbed.TestbedExtension;
import io.kubernetes.client.openapi.apis.DiscoveryV1Api;
import io.kubernetes.client.openapi.models.V1Service;
import io.kubernetes.client.util.Yaml;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * pod-kill honours grace periods and measures what follows: when the pod left its Services' rotation,
 * when it was gone, when its replacement was Ready.
 */
@ExtendWith(TestbedExtension.class)
class PodKillIT {
    private final RunFixture fixture;

    PodKillIT(TestCluster cluster) throws Exception {
        this.fixture = new RunFixture(cluster);
    }

    @Test
    void honoursThePodsOwnLongGracePeriodAndReportsTheReplacementsRecoveryTime() throws Exception {
        // Simulated pods exit at their grace deadline: 10 minutes from the kill.
        Manifests.deploy(fixture.cluster, KwokApps.preferringNode("patient", 2, "kwok-node-3", 600, false), 2);
        Path experiment = fixture.experiment("kill-patient", """
                apiVersion: aftershock.dev/v1alpha1
                kind: Experiment
                metadata: {name: kill-patient}
                spec:
                  duration: 15s
                  seed: 11
                  target: {namespace: NAMESPACE, workload: deployment/patient}
                  faults:
                    - {name: kill, at: 1s, action: pod-kill, pods: {selector: {app: patient}, pick: 1}}
                  safety: {maxUnavailable: 50%}
                """);

        CliRun run = fixture.run(experiment);

        assertThat(run.exitCode()).as(run.out() + run.err()).isZero();
        TargetRecord killed = RunFixture.onlyTarget(fixture.journal(experiment), "kill");
        assertThat(killed.state()).isEqualTo(TargetRecord.State.NOT_RECOVERABLE);
        assertThat(RunFixture.measured(killed, "grace period")).isEqualTo(600_000);
        assertThat(RunFixture.measured(killed, "replacement ready after")).isBetween(0.0, 14_000.0);
        var pod = fixture.cluster
                .core()
                .readNamespacedPod(killed.name(), fixture.cluster.namespace())
                .execute();
        assertThat(pod.getMetadata().getDeletionTimestamp())
                .as("still terminating within its grace period")
                .isNotNull();
    }

    @Test
    void forceMeansNoGraceAtAll() throws Exception {
        Manifests.deploy(fixture.cluster, KwokApps.preferringNode("hasty", 2, "kwok-node-3", 600, false), 2);
        Path experiment = fixture.experiment("kill-hasty", """
                apiVersion: aftershock.dev/v1alpha1
                kind: Experiment
                metadata: {name: kill-hasty}
                spec:
                  duration: 12s
                  target: {namespace: NAMESPACE, workload: deployment/hasty}
                  faults:
                    - {name: kill, at: 1s, action: pod-kill, pods: {selector: {app: hasty}, pick: 1}, force: true}
                  safety: {maxUnavailable: 50%}
                """);

        CliRun run = fixture.run(experiment);

        assertThat(run.exitCode()).as(run.out() + run.err()).isZero();
        var journal = fixture.journal(experiment);
        TargetRecord killed = RunFixture.onlyTarget(journal, "kill");
        assertThat(RunFixture.measured(killed, "grace period")).isZero();
        // The run's clock starts once its watches have listed: what they found is the state the run
        // began with (at 0), and the kill fires at its `at` on that clock, not early in it.
        assertThat(journal.events())
                .filteredOn(e -> e.source().equals("pod") && e.kind().equals("seen"))
                .isNotEmpty()
                .allSatisfy(e -> assertThat(e.t()).as(e.toString()).isZero());
        assertThat(killed.injectedAtMs()).isGreaterThanOrEqualTo(1000);
        assertThat(fixture.cluster
                        .core()
                        .listNamespacedPod(fixture.cluster.namespace())
                        .execute()
                        .getItems())
                .noneMatch(p -> p.getMetadata().getName().equals(killed.name()));
    }

    /**
     * On a real node, with a Service in front and a preStop hook that takes 2 s: the pod leaves the
     * rotation at once (the EndpointSlice controller marks it not ready when deletion starts), and is gone
     * only after the hook and the SIGTERM that follows it.
     */
    @Test
    void onARealNodeThePodLeavesTheRotationAtOnceAndIsGoneAfterItsPreStopHook() throws Exception {
        TestCluster cluster = fixture.cluster;
        TargetApps.createAndAwaitReady(
                cluster,
                TargetApps.deployment(
                        TargetApps.Template.of("graceful")
                                .preStopSleeping(2_000)
                                .grace(10),
                        2),
                Duration.ofSeconds(90));
        cluster.core()
                .createNamespacedService(cluster.namespace(), Yaml.loadAs("""
                        apiVersion: v1
                        kind: Service
                        metadata: {name: graceful}
                        spec:
                          selector: {app: graceful}
                          ports: [{port: 80, targetPort: 8080}]
                        """, V1Service.class))
                .execute();
        await().atMost(Duration.ofSeconds(30)).until(() -> readyEndpoints(cluster, "graceful") == 2);
        Path experiment = fixture.experiment("kill-graceful", """
                apiVersion: aftershock.dev/v1alpha1
                kind: Experiment
                metadata: {name: kill-graceful}
                spec:
                  duration: 15s
                  target: {namespace: NAMESPACE, workload: deployment/graceful}
                  faults:
                    - {name: kill, at: 1s, action: pod-kill, pods: {selector: {app: graceful}, pick: 1}}
                  safety: {maxUnavailable: 50%}
                """);

        CliRun run = fixture.run(experiment);

        assertThat(run.exitCode()).as(run.out() + run.err()).isZero();
        TargetRecord killed = RunFixture.onlyTarget(fixture.journal(experiment), "kill");
        double outOfRotation = RunFixture.measured(killed, "out of rotation after");
        double gone = RunFixture.measured(killed, "pod gone after");
        assertThat(outOfRotation).as("out of rotation at once").isBetween(0.0, 1_500.0);
        assertThat(gone)
                .as("gone after the 2 s preStop hook, within the 10 s grace period")
                .isBetween(2_000.0, 10_000.0);
        assertThat(RunFixture.measured(killed, "replacement ready after")).isPositive();
        // The run's terminations list it as the pod-kill's, with the same shutdown by the run's own watches.
        assertThat(fixture.journal(experiment).terminations()).singleElement().satisfies(t -> {
            assertThat(t.causeText()).isEqualTo("pod-kill kill");
            assertThat(t.pod()).isEqualTo(killed.name());
            assertThat(t.wasInRotation()).isTrue();
            assertThat(t.outOfRotationAfterMs()).isLessThan(t.exitedAfterMs());
            assertThat(t.goneAfterMs()).isBetween(2_000L, 10_000L);
        });
    }

    private static long readyEndpoints(TestCluster cluster, String service) throws Exception {
        return new DiscoveryV1Api(cluster.client())
                        .listNamespacedEndpointSlice(cluster.namespace())
                        .labelSelector("kubernetes.io/service-name=" + service)
                        .execute()
                        .getItems()
                        .stream()
                        .flatMap(slice -> slice.getEndpoints() == null
                                ? java.util.stream.Stream.of()
                                : slice.getEndpoints().stream())
                        .filter(e -> e.getConditions() != null
                                && Boolean.TRUE.equals(e.getConditions().getReady()))
                        .count();
    }
}
