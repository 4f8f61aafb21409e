package dev.aftershock.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.aftershock.cli.CliRun;
import dev.aftershock.journal.Journal;
import dev.aftershock.journal.LoadSeries;
import dev.aftershock.testbed.TargetApps;
import dev.aftershock.testbed.TestCluster;
import dev.aftershock.testbed.Testbed;
import dev.aftershock.testbed.TestbedExtension;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1Secret;
import io.kubernetes.client.openapi.models.V1Service;
import io.kubernetes.client.util.Yaml;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The load from injector pods of the agent's image on the real nodes, against the target's Service:
 * the shares merge to the plan's rate and to the exact percentiles of every request (recorded in
 * the test mode); an injector killed mid-run fails the run, naming it and the share it took along;
 * `recover` removes injector pods and Secrets a killed agent left.
 */
@ExtendWith(TestbedExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class InjectorsE2E {
    private static final String SELECTOR = "aftershock.dev/role=load-injector";
    private RunFixture fixture;
    private String image;

    @BeforeAll
    void deployTarget(TestCluster cluster) throws Exception {
        fixture = new RunFixture(cluster);
        image = Testbed.agentImage();
        TargetApps.createAndAwaitReady(
                cluster,
                TargetApps.deployment(TargetApps.Template.of("target").spreadOverNodes(), 2),
                Duration.ofSeconds(90));
        cluster.core()
                .createNamespacedService(cluster.namespace(), Yaml.loadAs("""
                                apiVersion: v1
                                kind: Service
                                metadata: {name: target}
                                spec:
                                  selector: {app: target}
                                  ports: [{port: 8080, targetPort: 8080}]
                                """, V1Service.class))
                .execute();
    }

    @AfterEach
    void noInjectorIsLeft() throws Exception {
        // Deleted at the run's end; a pod's object goes once its kubelet has confirmed.
        org.awaitility.Awaitility.await()
                .atMost(Duration.ofSeconds(30))
                .untilAsserted(() ->
                        assertThat(injectorPods()).as("injector pods left").isEmpty());
        assertThat(fixture.cluster
                        .core()
                        .listNamespacedSecret(fixture.cluster.namespace())
                        .labelSelector(SELECTOR)
                        .execute()
                        .getItems())
                .as("injector Secrets left")
                .isEmpty();
    }

    private List<V1Pod> injectorPods() throws Exception {
        return fixture.cluster
                .core()
                .listNamespacedPod(fixture.cluster.namespace())
                .labelSelector(SELECTOR)
                .execute()
                .getItems();
    }

    private Path experiment(String name, String duration, String arrivals) throws Exception {
        return fixture.experiment(name, """
                apiVersion: aftershock.dev/v1alpha1
                kind: Experiment
                metadata: {name: %s}
                spec:
                  duration: %s
                  target: {namespace: NAMESPACE, workload: deployment/target, service: target}
                  load:
                    url: http://target.NAMESPACE.svc:8080/work?cpuMs=1
                    timeout: 2s
                    injectors: 2
                    injectorNodeSelector: {type: real}
                    injectorResources:
                      requests: {cpu: 100m, memory: 256Mi}
                      limits: {memory: 640Mi}
                    arrivals:
                      %s
                  hypotheses:
                    - name: users-barely-notice
                      slo: {errorRate: 5%%}
                """.formatted(name, duration, arrivals));
    }

    @Test
    void twoInjectorsMergeToThePlansRateAndTheExactPercentilesOfEveryRequest() throws Exception {
        Path file = experiment("merged", "40s", "- hold: {rate: 40, for: 30s}");
        System.setProperty("aftershock.load.recordRequests", "true");
        CliRun run;
        try {
            run = fixture.run(file, "--injector-image", image);
        } finally {
            System.clearProperty("aftershock.load.recordRequests");
        }
        assertThat(run.exitCode()).as(run.out() + run.err()).isZero();
        Journal journal = fixture.journal(file);
        LoadSeries load = journal.load();

        // Each on a real node of its own (spread), each its half of the plan.
        assertThat(load.injectors()).hasSize(2);
        assertThat(load.injectors())
                .extracting(LoadSeries.Injector::node)
                .containsExactlyInAnyOrderElementsOf(TargetApps.REAL_NODES);
        assertThat(load.injectors()).allSatisfy(i -> {
            assertThat(i.plannedRequests()).isEqualTo(600.0);
            assertThat(i.failure()).isNull();
            assertThat(i.skewBoundMs()).as("a heartbeat's clock was read").isNotNull();
        });

        // The merged rate over the plan's whole seconds: within 2 % of 40 rps.
        long planned = 0;
        long sent = 0;
        for (LoadSeries.Second s : load.seconds()) {
            if (s.t() >= 1 && s.t() < 29) {
                planned += 40;
                sent += s.requests();
            }
        }
        assertThat((double) sent).as("requests in seconds 1 to 28").isCloseTo(planned, within(planned * 0.02));
        assertThat(load.totals().requests()).isCloseTo(1200L, org.assertj.core.data.Offset.offset(24L));

        // Every request's latency, as each injector recorded it: the merged percentiles are theirs.
        Histogram union = new Histogram(3);
        long recorded = 0;
        for (int i = 0; i < 2; i++) {
            Path requests = fixture.out(file.getFileName().toString()).resolve("load/requests-" + i + ".txt");
            for (String line : Files.readAllLines(requests)) {
                union.recordValue(Long.parseLong(line.split(" ")[1]));
                recorded++;
            }
        }
        assertThat(recorded).isEqualTo(load.totals().requests());
        assertThat(load.totals().p50()).isEqualTo((double) union.getValueAtPercentile(50));
        assertThat(load.totals().p95()).isEqualTo((double) union.getValueAtPercentile(95));
        assertThat(load.totals().p99()).isEqualTo((double) union.getValueAtPercentile(99));

        String report =
                Files.readString(fixture.out(file.getFileName().toString()).resolve("report.html"));
        assertThat(report)
                .contains("Load injectors")
                .contains(load.injectors().get(0).pod());
    }

    @Test
    void anInjectorKilledMidRunFailsTheRunNamingItAndTheShareItTookAlong() throws Exception {
        Path file = experiment("one-killed", "35s", "- hold: {rate: 20, for: 30s}");
        RunFixture.BackgroundRun run = fixture.start(file, "--injector-image", image);
        // The run's first progress line (about 4 s in), then 5 s more of load.
        run.awaitOutput("T+0:00", Duration.ofSeconds(120));
        Thread.sleep(5_000);
        assertThat(run.result().isDone()).as("the run goes on: %s", run.out()).isFalse();
        V1Pod victim = injectorPods().stream()
                .filter(p -> "1".equals(p.getMetadata().getLabels().get("aftershock.dev/injector")))
                .findFirst()
                .orElseThrow();
        fixture.cluster
                .core()
                .deleteNamespacedPod(victim.getMetadata().getName(), fixture.cluster.namespace())
                .gracePeriodSeconds(0)
                .execute();
        CliRun done = run.finished();

        assertThat(done.exitCode()).as(done.out() + done.err()).isEqualTo(3);
        assertThat(done.out() + done.err())
                .contains("injector 1 (pod " + victim.getMetadata().getName())
                .containsPattern("\\d+ of the run's 600 requests \\(\\d+\\.\\d %\\), was not sent");
        LoadSeries.Injector killed = fixture.journal(file).load().injectors().get(1);
        // SIGKILL leaves it silent; a SIGTERM lets it flush its last lines and say it ended, early.
        assertThat(killed.failure()).containsAnyOf("stopped reporting", "ended before its plan did");
        assertThat(killed.requests()).isLessThan(300);
    }

    @Test
    void recoverRemovesTheInjectorsAKilledAgentLeft() throws Exception {
        // As a killed agent leaves them: a Secret and a pod with a run's labels, the pod still running.
        Map<String, String> labels = Map.of("aftershock.dev/role", "load-injector", "aftershock.dev/run", "gone-run");
        String ns = fixture.cluster.namespace();
        fixture.cluster
                .core()
                .createNamespacedSecret(
                        ns,
                        new V1Secret()
                                .metadata(new io.kubernetes.client.openapi.models.V1ObjectMeta()
                                        .name("aftershock-injector-left")
                                        .labels(labels))
                                .stringData(Map.of("AFTERSHOCK_LOAD_URL", "http://x/")))
                .execute();
        V1Pod pod = TargetApps.podFrom("""
                apiVersion: v1
                kind: Pod
                metadata: {name: aftershock-injector-left-0}
                spec:
                  nodeSelector: {type: real}
                  containers: [{name: injector, image: %s, command: ["/opt/jre/bin/java", "-version"]}]
                  restartPolicy: Never
                """.formatted(image));
        pod.getMetadata().setLabels(labels);
        fixture.cluster.core().createNamespacedPod(ns, pod).execute();

        CliRun recovered = fixture.recover();
        assertThat(recovered.out())
                .contains("removed the load injectors of run gone-run in " + ns)
                .contains("pod aftershock-injector-left-0")
                .contains("secret aftershock-injector-left");
        org.awaitility.Awaitility.await()
                .atMost(Duration.ofSeconds(30))
                .until(() -> injectorPods().isEmpty());
    }
}
