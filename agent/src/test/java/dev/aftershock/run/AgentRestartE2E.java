package dev.aftershock.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.aftershock.testbed.Helm;
import dev.aftershock.testbed.InstalledAgent;
import dev.aftershock.testbed.TargetApps;
import dev.aftershock.testbed.TestCluster;
import dev.aftershock.testbed.Testbed;
import dev.aftershock.testbed.TestbedExtension;
import io.kubernetes.client.openapi.apis.RbacAuthorizationV1Api;
import io.kubernetes.client.openapi.models.V1Pod;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The agent's pod dies mid-run (its JVM killed, its pod deleted with grace period 0, while its run has
 * a node cordoned): the
 * Deployment's replacement finds the run in the records its predecessor kept in the cluster
 * (ConfigMaps, not the dead pod's emptyDir), marks it interrupted, and uncordons the node within
 * 30 s of becoming ready; the API shows the run interrupted.
 */
@ExtendWith(TestbedExtension.class)
class AgentRestartE2E {
    private final TestCluster cluster;
    private final HttpClient http = HttpClient.newHttpClient();

    AgentRestartE2E(TestCluster cluster) {
        this.cluster = cluster;
    }

    @org.junit.jupiter.api.BeforeAll
    static void victim(TestCluster cluster) throws Exception {
        Manifests.deploy(cluster, KwokApps.preferringNode("victim", 2, "kwok-node-2", 2, true), 2);
    }

    private String install(String release, String ns, String... values) throws Exception {
        return InstalledAgent.install(cluster, release, ns, values);
    }

    private List<String> env() {
        return List.of("KUBECONFIG=" + cluster.kubeconfig());
    }

    /** Submits a run that cordons the node hosting "victim" for 150 s; returns its Location. */
    private String submitCordon(String agent, String token, String name) throws Exception {
        HttpResponse<String> accepted = send(
                HttpRequest.newBuilder(URI.create(agent + "/api/v1/runs?file=cordon.yaml"))
                        .POST(HttpRequest.BodyPublishers.ofString("""
                                apiVersion: aftershock.dev/v1alpha1
                                kind: Experiment
                                metadata: {name: %s}
                                spec:
                                  duration: 3m
                                  target: {namespace: %s, workload: deployment/victim}
                                  faults:
                                    - {name: cordon, at: 1s, action: node-cordon, nodes: {hosting: target, pick: 1}, for: 150s}
                                  safety: {maxUnavailable: 1}
                                """.formatted(name, cluster.namespace()))),
                token);
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        await().atMost(Duration.ofSeconds(30)).until(() -> cordoned() == 1);
        return accepted.headers().firstValue("Location").orElseThrow();
    }

    @Test
    void aHelmUninstallDuringARunRecoversItsFaultsBeforeTheAgentExits() throws Exception {
        Manifests.awaitWhole(cluster, "victim", 2);
        String ns = cluster.namespace() + "-leaving";
        try {
            String agent = install("leaving", ns);
            String location = submitCordon(agent, submitter(ns), "uninstalled-cordon");
            Helm.Result uninstalled =
                    Helm.run(env(), "uninstall", "leaving", "--namespace", ns, "--wait", "--timeout", "2m");
            assertThat(uninstalled.exitCode()).as(uninstalled.stderr()).isZero();
            // SIGTERM: the run recovered its cordon before the agent exited, and its record says how it ended.
            assertThat(cordoned()).isZero();
            String id = location.substring(location.lastIndexOf('/') + 1);
            var record = cluster.core()
                    .readNamespacedConfigMap("aftershock-run-" + id, ns)
                    .execute();
            assertThat(record.getData().get("run.json"))
                    .contains("\"state\":\"finished\"")
                    .contains("\"outcome\":\"aborted\"");
        } finally {
            cleanUp("leaving", ns);
        }
    }

    @Test
    void aReplacementAgentRecoversTheRunItsPredecessorDiedIn() throws Exception {
        Manifests.awaitWhole(cluster, "victim", 2);
        String ns = cluster.namespace() + "-agent";
        try {
            String agent = install("rescue", ns);
            String token = submitter(ns);
            String location = submitCordon(agent, token, "orphaned-cordon");

            V1Pod first = agentPods(ns).get(0);
            String firstLog = cluster.core()
                    .readNamespacedPodLog(first.getMetadata().getName(), ns)
                    .execute();
            assertThat(firstLog).as("the first agent's log").contains("at 1s cordon node-cordon");
            // A death with no chance to recover: the kubelet sends SIGTERM even for grace period 0 (and
            // the agent recovers within it), so the agent's JVM is killed first (the real nodes'
            // containers are processes of this machine), then its pod is deleted with grace period 0.
            Testbed.commandOutput("pkill", "-KILL", "-f", "serve --port=8080 .*--namespace=" + ns + " ");
            cluster.core()
                    .deleteNamespacedPod(first.getMetadata().getName(), ns)
                    .gracePeriodSeconds(0)
                    .execute();
            assertThat(cordoned())
                    .as("the node is still cordoned: nobody recovered it")
                    .isEqualTo(1);
            V1Pod replacement = await().atMost(Duration.ofMinutes(3))
                    .pollInterval(Duration.ofMillis(250))
                    .until(
                            () -> agentPods(ns).stream()
                                    .filter(p -> !p.getMetadata()
                                            .getName()
                                            .equals(first.getMetadata().getName()))
                                    .filter(TargetApps::isReady)
                                    .findFirst()
                                    .orElse(null),
                            p -> p != null);
            Instant ready = Instant.now();
            await().atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(250))
                    .until(() -> cordoned() == 0);
            assertThat(Duration.between(ready, Instant.now())).isLessThanOrEqualTo(Duration.ofSeconds(30));

            // The Service sends callers to it once its readiness probe sees it has recovered.
            HttpResponse<String> run = await().atMost(Duration.ofSeconds(20))
                    .ignoreExceptions()
                    .until(
                            () -> send(
                                    HttpRequest.newBuilder(URI.create(agent + location))
                                            .GET(),
                                    token),
                            r -> r.statusCode() == 200);
            assertThat(run.body())
                    .as(
                            "the run, as the replacement %s shows it; the first agent's log:%n%s",
                            replacement.getMetadata().getName(), firstLog)
                    .contains("\"state\":\"interrupted\"")
                    .contains("the agent stopped while the run was in progress");
            // Its journal and report, written by the replacement: aborted, and what it put back.
            HttpResponse<String> journal = send(
                    HttpRequest.newBuilder(URI.create(agent + location + "/journal.json"))
                            .GET(),
                    token);
            assertThat(journal.statusCode()).as(journal.body()).isEqualTo(200);
            var written = dev.aftershock.journal.JournalCodec.fromJson(journal.body(), "the replacement's journal");
            assertThat(written.run().outcome()).isEqualTo(dev.aftershock.journal.RunInfo.Outcome.ABORTED);
            assertThat(written.abort().condition()).isEqualTo(InterruptedRunJournal.CONDITION);
            assertThat(written.rollback().recovered()).as(journal.body()).isEqualTo(1);
            HttpResponse<String> report = send(
                    HttpRequest.newBuilder(URI.create(agent + location + "/report.html"))
                            .GET(),
                    token);
            assertThat(report.statusCode()).isEqualTo(200);
            assertThat(report.body()).contains("orphaned-cordon").contains("uncordon");
        } finally {
            cleanUp("rescue", ns);
        }
    }

    @Test
    void aNamespacedAgentRunsPodFaultsInItsNamespacesAndRefusesNodeFaults() throws Exception {
        Manifests.awaitWhole(cluster, "victim", 2);
        String ns = cluster.namespace() + "-scoped";
        try {
            String agent = install("scoped", ns, "rbac.scope=namespaced", "rbac.namespaces[0]=" + cluster.namespace());
            var rbac = new RbacAuthorizationV1Api(cluster.client());
            String release = "app.kubernetes.io/instance=scoped";
            assertThat(rbac.listClusterRole().labelSelector(release).execute().getItems())
                    .isEmpty();
            assertThat(rbac.listClusterRoleBinding()
                            .labelSelector(release)
                            .execute()
                            .getItems())
                    .isEmpty();
            String token = submitter(ns);

            // Callers are reviewed with their own tokens: no token is still 401, a valid one is let in.
            HttpResponse<String> anonymous = http.send(
                    HttpRequest.newBuilder(URI.create(agent + "/api/v1/runs"))
                            .GET()
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(anonymous.statusCode()).isEqualTo(401);

            String refused = submitAndWait(agent, token, """
                    apiVersion: aftershock.dev/v1alpha1
                    kind: Experiment
                    metadata: {name: scoped-cordon}
                    spec:
                      duration: 20s
                      target: {namespace: %s, workload: deployment/victim}
                      faults:
                        - {name: cordon, at: 1s, action: node-cordon, nodes: {hosting: target, pick: 1}, for: 5s}
                    """.formatted(cluster.namespace()));
            assertThat(refused).contains("\"outcome\":\"refused\"").contains("\"exitCode\":2");
            assertThat(cordoned()).isZero();
            assertThat(agentLog(ns, "scoped"))
                    .contains("fault cordon (node-cordon) acts on nodes")
                    .contains("rbac.scope: cluster");

            String passed = submitAndWait(agent, token, """
                    apiVersion: aftershock.dev/v1alpha1
                    kind: Experiment
                    metadata: {name: scoped-kill}
                    spec:
                      duration: 15s
                      target: {namespace: %s, workload: deployment/victim}
                      faults:
                        - {name: kill, at: 1s, action: pod-kill, pods: {selector: {app: victim}, pick: 1}}
                      safety: {maxUnavailable: 1}
                    """.formatted(cluster.namespace()));
            assertThat(passed).as(agentLog(ns, "scoped")).contains("\"outcome\":\"passed\"");
        } finally {
            cleanUp("scoped", ns);
        }
    }

    /** Submits an experiment and waits until its run has ended; the run's record as the API shows it. */
    private String submitAndWait(String agent, String token, String experiment) throws Exception {
        HttpResponse<String> accepted = send(
                HttpRequest.newBuilder(URI.create(agent + "/api/v1/runs"))
                        .POST(HttpRequest.BodyPublishers.ofString(experiment)),
                token);
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        String location = accepted.headers().firstValue("Location").orElseThrow();
        return await().atMost(Duration.ofMinutes(2))
                .pollInterval(Duration.ofSeconds(1))
                .until(
                        () -> send(
                                        HttpRequest.newBuilder(URI.create(agent + location))
                                                .GET(),
                                        token)
                                .body(),
                        body -> !body.contains("\"state\":\"running\""));
    }

    private void cleanUp(String release, String ns) throws Exception {
        Helm.run(env(), "uninstall", release, "--namespace", ns, "--ignore-not-found", "--wait");
        cluster.core().deleteNamespace(ns).execute();
        // Whatever a failed test left (a cordon and its marks), put back as a user would.
        var out = new java.io.StringWriter();
        int recovered = dev.aftershock.cli.Main.run(
                new java.io.PrintWriter(out),
                new java.io.PrintWriter(out),
                "recover",
                "--kubeconfig",
                cluster.kubeconfig().toString(),
                "--lock-namespace",
                cluster.namespace());
        assertThat(recovered).as(out.toString()).isZero();
    }

    /** A ServiceAccount allowed to create and read runs in the agent's namespace; its token. */
    private String submitter(String ns) throws Exception {
        return InstalledAgent.caller(cluster, ns, "submitter", List.of("create", "get"));
    }

    private String agentLog(String ns, String release) throws Exception {
        return cluster.core()
                .readNamespacedPodLog(
                        agentPods(ns, release).get(0).getMetadata().getName(), ns)
                .execute();
    }

    private List<V1Pod> agentPods(String ns) throws Exception {
        return agentPods(ns, "rescue");
    }

    private List<V1Pod> agentPods(String ns, String release) throws Exception {
        return cluster
                .core()
                .listNamespacedPod(ns)
                .labelSelector("app.kubernetes.io/instance=" + release)
                .execute()
                .getItems()
                .stream()
                .filter(p -> p.getMetadata().getDeletionTimestamp() == null)
                .filter(p -> !p.getMetadata().getName().endsWith("-test"))
                .toList();
    }

    private HttpResponse<String> send(HttpRequest.Builder request, String token) throws Exception {
        return http.send(
                request.timeout(Duration.ofSeconds(30))
                        .header("Authorization", "Bearer " + token)
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private long cordoned() throws Exception {
        return cluster.core().listNode().execute().getItems().stream()
                .filter(n -> Boolean.TRUE.equals(n.getSpec().getUnschedulable()))
                .count();
    }
}
