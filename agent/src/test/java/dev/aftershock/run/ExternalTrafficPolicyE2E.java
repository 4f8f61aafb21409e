package dev.aftershock.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.aftershock.cli.CliRun;
import dev.aftershock.journal.HypothesisResult;
import dev.aftershock.journal.HypothesisResult.Verdict;
import dev.aftershock.journal.Journal;
import dev.aftershock.testbed.TargetApps;
import dev.aftershock.testbed.TestCluster;
import dev.aftershock.testbed.TestbedExtension;
import dev.aftershock.validation.RepositoryPaths;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The seeds' question, answered by the experiment pair experiments/etp-local.yaml and
 * etp-cluster.yaml on the real nodes: three target pods spread 2 and 1, the load sent to the
 * NodePort of the node with one. Local keeps the client's address and sends all to that one pod;
 * Cluster spreads over the three and rewrites the source. Each experiment asks both questions.
 */
@ExtendWith(TestbedExtension.class)
class ExternalTrafficPolicyE2E {
    private static final String APP = "spread";
    private static final int NODE_PORT = 30096;
    private final RunFixture fixture;
    private final TestCluster cluster;

    ExternalTrafficPolicyE2E(TestCluster cluster) throws Exception {
        this.cluster = cluster;
        this.fixture = new RunFixture(cluster);
    }

    @AfterEach
    void clear() throws Exception {
        cluster.core().deleteNamespacedService(APP, cluster.namespace()).execute();
        fixture.clearNamespace();
    }

    @Test
    void localConcentratesAndKeepsTheClientClusterSpreadsAndRewritesIt() throws Exception {
        TargetApps.createAndAwaitReady(
                cluster,
                TargetApps.deployment(TargetApps.Template.of(APP).spreadOverNodes(), 3),
                Duration.ofSeconds(90));
        cluster.core()
                .createNamespacedService(cluster.namespace(), TargetApps.nodePort(APP, NODE_PORT, "Local"))
                .execute();
        Map<String, Long> podsPerNode =
                cluster
                        .core()
                        .listNamespacedPod(cluster.namespace())
                        .labelSelector("app=" + APP)
                        .execute()
                        .getItems()
                        .stream()
                        .collect(Collectors.groupingBy(p -> p.getSpec().getNodeName(), Collectors.counting()));
        String lone = podsPerNode.entrySet().stream()
                .filter(e -> e.getValue() == 1)
                .map(Map.Entry::getKey)
                .findFirst()
                .orElseThrow(() -> new AssertionError("pods spread " + podsPerNode));
        String url = "http://" + TargetApps.nodeIp(lone) + ":" + NODE_PORT + "/";
        await().atMost(Duration.ofSeconds(30))
                .until(() -> TargetApps.get(url, Duration.ofSeconds(2)).status() == 200);

        Journal local = run("etp-local", url);
        HypothesisResult localSpread = hypothesis(local, "even-spread");
        HypothesisResult localClient = hypothesis(local, "client-address-kept");
        assertThat(localSpread.verdict()).as(localSpread.measured()).isEqualTo(Verdict.FAILED);
        assertThat(measured(localSpread, "pod skew"))
                .as("all to the one pod of three")
                .isCloseTo(3.0, within(0.01));
        assertThat(measured(localSpread, "node skew")).isCloseTo(3.0, within(0.01));
        assertThat(localClient.verdict()).as(localClient.measured()).isEqualTo(Verdict.PASSED);
        assertThat(measured(localClient, "client address preserved")).isEqualTo(100.0);

        TargetApps.patchService(cluster, APP, "{\"spec\":{\"externalTrafficPolicy\":\"Cluster\"}}");
        // Each node's kube-proxy applies the change on its own schedule: until the source is rewritten.
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            TargetApps.Answer a = TargetApps.get(url, Duration.ofSeconds(2));
            return a.status() == 200 && !a.clientIp().equals(TargetApps.MACHINE_ON_BRIDGE);
        });

        Journal clustered = run("etp-cluster", url);
        HypothesisResult clusterSpread = hypothesis(clustered, "even-spread");
        HypothesisResult clusterClient = hypothesis(clustered, "client-address-kept");
        assertThat(clusterSpread.verdict()).as(clusterSpread.measured()).isEqualTo(Verdict.PASSED);
        assertThat(measured(clusterSpread, "pod skew")).isLessThan(1.5);
        assertThat(clusterClient.verdict()).as(clusterClient.measured()).isEqualTo(Verdict.FAILED);
        assertThat(measured(clusterClient, "client address preserved")).isZero();
        assertThat(clustered.series()).extracting(s -> s.name()).anyMatch(n -> n.startsWith("traffic/pod/"));

        // The A/B page of the two runs.
        Path page = fixture.out("compare").resolve("etp.html");
        CliRun compare = CliRun.of(
                "compare",
                fixture.out("etp-local.yaml").resolve("journal.json").toString(),
                fixture.out("etp-cluster.yaml").resolve("journal.json").toString(),
                "--out",
                page.toString());
        assertThat(compare.exitCode()).as(compare.err()).isZero();
        assertThat(Files.readString(page))
                .contains("etp-local (A) and etp-cluster (B)", "even-spread", "client-address-kept", "pod skew");
    }

    private Journal run(String name, String url) throws Exception {
        String yaml = Files.readString(RepositoryPaths.root().resolve("experiments/" + name + ".yaml"))
                .replace("namespace: aftershock-demo", "namespace: NAMESPACE")
                .replace("http://192.0.2.10:30096/", url);
        Path file = fixture.experiment(name, yaml);
        CliRun run = fixture.run(file);
        // One of the two questions fails by design: exit 1, a hypothesis failed.
        assertThat(run.exitCode()).as(run.out() + run.err()).isEqualTo(1);
        Journal journal = fixture.journal(file);
        journal.hypotheses().forEach(h -> {
            System.out.println(name + " " + h.name() + ": " + h.verdict() + ": " + h.measured());
            h.evidence().forEach(m -> System.out.println("  " + m.name() + " = " + m.shown()));
        });
        return journal;
    }

    private static HypothesisResult hypothesis(Journal j, String name) {
        return j.hypotheses().stream()
                .filter(h -> h.name().equals(name))
                .findFirst()
                .orElseThrow();
    }

    private static double measured(HypothesisResult h, String name) {
        return h.evidence().stream()
                .filter(m -> m.name().equals(name))
                .mapToDouble(m -> m.value())
                .findFirst()
                .orElse(Double.NaN);
    }

    private static org.assertj.core.data.Offset<Double> within(double d) {
        return org.assertj.core.data.Offset.offset(d);
    }
}
