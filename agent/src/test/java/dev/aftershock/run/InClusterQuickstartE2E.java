package dev.aftershock.run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aftershock.cli.CliRun;
import dev.aftershock.journal.HypothesisResult;
import dev.aftershock.journal.Journal;
import dev.aftershock.journal.JournalCodec;
import dev.aftershock.kube.DemoDeployment;
import dev.aftershock.testbed.Helm;
import dev.aftershock.testbed.InstalledAgent;
import dev.aftershock.testbed.TestCluster;
import dev.aftershock.testbed.TestbedExtension;
import dev.aftershock.validation.RepositoryPaths;
import io.kubernetes.client.custom.PodMetrics;
import io.kubernetes.client.custom.PodMetricsList;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodCondition;
import io.kubernetes.client.util.generic.GenericKubernetesApi;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's in-cluster quick start, as written: the chart installed on the testbed, the quickstart
 * submitted to the agent over its API (`aftershock demo --agent URL --token-file FILE`, which deploys
 * the target and then submits), the agent in its pod running the load and the faults, and the report
 * opened from the API. It must pass. Prints, for the notes, the agent pod's start-to-ready time and
 * its memory idle and during the run (metrics-server's working set).
 */
@ExtendWith(TestbedExtension.class)
class InClusterQuickstartE2E {
    private final TestCluster cluster;

    InClusterQuickstartE2E(TestCluster cluster) {
        this.cluster = cluster;
    }

    @AfterAll
    static void removeTheDemo(TestCluster cluster) throws Exception {
        new DemoDeployment(cluster.client()).deleteNamespace("aftershock-demo", Duration.ofMinutes(2));
    }

    @Test
    void theQuickstartSubmittedToTheInstalledAgentPassesAndItsReportComesFromTheApi(@TempDir Path tmp)
            throws Exception {
        String ns = cluster.namespace() + "-incluster";
        try {
            String agent = InstalledAgent.install(cluster, "incluster", ns);
            V1Pod pod = cluster.core()
                    .listNamespacedPod(ns)
                    .labelSelector("app.kubernetes.io/instance=incluster")
                    .execute()
                    .getItems()
                    .get(0);
            String podName = pod.getMetadata().getName();
            System.out.printf(
                    "in-cluster agent: pod start to ready %d ms%n",
                    Duration.between(pod.getStatus().getStartTime(), readySince(pod))
                            .toMillis());
            long idle = workingSet(ns, podName, Duration.ofSeconds(90));
            System.out.printf("in-cluster agent: memory idle %d MiB%n", idle >> 20);

            String token = InstalledAgent.caller(cluster, ns, "sre", List.of("create", "get", "list"));
            Path tokenFile = tmp.resolve("token");
            Files.writeString(tokenFile, token);
            AtomicLong most = new AtomicLong();
            Thread sampler = Thread.ofVirtual().start(() -> {
                while (!Thread.currentThread().isInterrupted()) {
                    try {
                        most.accumulateAndGet(workingSet(ns, podName, Duration.ZERO), Math::max);
                        Thread.sleep(5_000);
                    } catch (InterruptedException e) {
                        return;
                    } catch (Exception e) {
                        // No sample this time (metrics-server between scrapes): the next one counts.
                    }
                }
            });
            System.setProperty("aftershock.home", RepositoryPaths.root().toString());
            CliRun run;
            try {
                run = CliRun.of("demo", "--agent", agent, "--token-file", tokenFile.toString());
            } finally {
                sampler.interrupt();
            }
            System.out.printf("in-cluster agent: memory during the quickstart up to %d MiB%n", most.get() >> 20);

            assertThat(run.exitCode()).as(run.out() + run.err()).isZero();
            assertThat(run.out())
                    .contains("demo 4/4: submitting experiments/quickstart.yaml to the agent at " + agent)
                    .contains("hypothesis hpa-scales-out: passed");
            Matcher report =
                    Pattern.compile("report: (https?://\\S+/report\\.html)").matcher(run.out());
            assertThat(report.find()).as(run.out()).isTrue();
            HttpClient http = HttpClient.newHttpClient();
            HttpResponse<String> html = http.send(
                    HttpRequest.newBuilder(URI.create(report.group(1)))
                            .header("Authorization", "Bearer " + token)
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(html.statusCode()).isEqualTo(200);
            assertThat(html.body()).contains("quickstart").contains("passed");
            HttpResponse<String> journal = http.send(
                    HttpRequest.newBuilder(URI.create(report.group(1).replace("report.html", "journal.json")))
                            .header("Authorization", "Bearer " + token)
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            Journal j = JournalCodec.fromJson(journal.body(), "the agent's journal");
            assertThat(j.hypotheses())
                    .allSatisfy(h -> assertThat(h.verdict())
                            .as(h.name() + ": " + h.measured())
                            .isEqualTo(HypothesisResult.Verdict.PASSED));
            assertThat(j.load().totals().requests()).isPositive();
        } finally {
            Helm.run(
                    List.of("KUBECONFIG=" + cluster.kubeconfig()),
                    "uninstall",
                    "incluster",
                    "--namespace",
                    ns,
                    "--ignore-not-found",
                    "--wait");
            cluster.core().deleteNamespace(ns).execute();
        }
    }

    private static java.time.OffsetDateTime readySince(V1Pod pod) {
        return pod.getStatus().getConditions().stream()
                .filter(c -> c.getType().equals("Ready"))
                .map(V1PodCondition::getLastTransitionTime)
                .findFirst()
                .orElseThrow();
    }

    /** The agent container's working set as metrics-server reports it, waiting up to {@code within} for one. */
    private long workingSet(String ns, String pod, Duration within) throws Exception {
        var api = new GenericKubernetesApi<>(
                PodMetrics.class, PodMetricsList.class, "metrics.k8s.io", "v1beta1", "pods", cluster.client());
        long deadline = System.nanoTime() + within.toNanos();
        while (true) {
            var response = api.get(ns, pod);
            if (response.isSuccess() && !response.getObject().getContainers().isEmpty()) {
                return response.getObject().getContainers().stream()
                        .mapToLong(c -> c.getUsage().get("memory").getNumber().longValue())
                        .sum();
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("no metrics for pod " + pod + ": HTTP " + response.getHttpStatusCode());
            }
            Thread.sleep(2_000);
        }
    }
}
