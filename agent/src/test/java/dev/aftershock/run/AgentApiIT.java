package dev.aftershock.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.aftershock.api.AgentApi;
import dev.aftershock.api.CachedAccess;
import dev.aftershock.api.RunRecords;
import dev.aftershock.api.RunService;
import dev.aftershock.kube.AccessReviews;
import dev.aftershock.kube.ClusterAccess;
import dev.aftershock.kube.RunLease;
import dev.aftershock.metrics.AgentMetrics;
import dev.aftershock.testbed.InstalledAgent;
import dev.aftershock.testbed.TestCluster;
import dev.aftershock.testbed.TestbedExtension;
import io.kubernetes.client.openapi.models.AuthenticationV1TokenRequest;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1ServiceAccount;
import io.kubernetes.client.openapi.models.V1TokenRequestSpec;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import java.io.PrintWriter;
import java.io.Writer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent's API against the testbed's API server: callers are two real ServiceAccounts, one granted
 * runs and reports of aftershock.dev by an ordinary Role (no CRD exists), one granted nothing; their
 * tokens are reviewed by the API server. A submitted run really runs (a pod kill), is followed over
 * Server-Sent Events and its report is served; a second submission meanwhile is refused naming it;
 * an abort recovers a cordon at once.
 */
@ExtendWith(TestbedExtension.class)
class AgentApiIT {
    private static Vertx vertx;
    private static WorkerExecutor blocking;
    private static AgentApi api;
    private static String granted;
    private static String denied;
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    static Path data;

    private final TestCluster cluster;

    AgentApiIT(TestCluster cluster) {
        this.cluster = cluster;
    }

    @BeforeAll
    static void start(TestCluster cluster) throws Exception {
        String ns = cluster.namespace();
        Manifests.deploy(cluster, KwokApps.preferringNode("served", 2, "kwok-node-3", 2, true), 2);
        // An ordinary Role grants runs and reports of aftershock.dev (no CRD exists) to one of them.
        granted = InstalledAgent.caller(cluster, ns, "granted", List.of("create", "list", "get", "delete"));
        denied = serviceAccountToken(cluster, "denied");

        vertx = Vertx.vertx();
        blocking = vertx.createSharedWorkerExecutor("it-blocking", 4);
        var access = new ClusterAccess.Kubeconfig(cluster.kubeconfig());
        // The test's namespace holds this agent's run lock: no other test's run is refused by it.
        var locking = new RunOptions.Locking(ns, Duration.ZERO, Duration.ofMinutes(1));
        AgentMetrics metrics = new AgentMetrics();
        RunService runs = new RunService(
                new RunRecords(data.resolve("runs")),
                submitted -> new RunOptions(
                        submitted.file(),
                        submitted.source(),
                        access,
                        data.resolve("state"),
                        null,
                        false,
                        false,
                        submitted.loadUrl(),
                        null,
                        metrics,
                        "it",
                        locking,
                        dev.aftershock.selection.Reach.cluster(),
                        dev.aftershock.load.LoadHeaders.Sources.ANY,
                        submitted.reportsRoot(),
                        submitted.listener(),
                        dev.aftershock.kube.NodeHelpers.Settings.OFF,
                        dev.aftershock.kube.InjectorPods.Settings.OFF,
                        new PrintWriter(Writer.nullWriter()),
                        new PrintWriter(Writer.nullWriter())),
                () -> RunLease.liveHolder(cluster.client(), ns).map(RunLease.Holder::identity));
        api = AgentApi.start(
                vertx,
                new AgentApi.Parts(
                        runs,
                        new CachedAccess(
                                AccessReviews.delegated(cluster.client(), ns)::decide,
                                Duration.ofSeconds(5),
                                Clock.systemUTC()),
                        metrics::scrape,
                        () -> true,
                        blocking,
                        Optional.empty()),
                "127.0.0.1",
                0);
    }

    @AfterAll
    static void stop() {
        api.close();
        blocking.close();
        vertx.close().toCompletionStage().toCompletableFuture().join();
    }

    private static String serviceAccountToken(TestCluster cluster, String name) throws Exception {
        cluster.core()
                .createNamespacedServiceAccount(
                        cluster.namespace(), new V1ServiceAccount().metadata(new V1ObjectMeta().name(name)))
                .execute();
        return cluster.core()
                .createNamespacedServiceAccountToken(
                        name,
                        cluster.namespace(),
                        new AuthenticationV1TokenRequest().spec(new V1TokenRequestSpec().expirationSeconds(3600L)))
                .execute()
                .getStatus()
                .getToken();
    }

    private static HttpResponse<String> call(String method, String path, String token, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api.port() + path))
                .timeout(Duration.ofSeconds(60))
                .method(
                        method,
                        body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @BeforeEach
    void servedIsWhole() {
        // The tests share the workload: each starts from it whole (the last one's kill replaced).
        Manifests.awaitWhole(cluster, "served", 2);
    }

    @Test
    void theApiServerDecidesWhoMayDoWhat() throws Exception {
        assertThat(call("GET", "/api/v1/runs", null, null).statusCode()).isEqualTo(401);
        assertThat(call("GET", "/api/v1/runs", "not-a-token", null).statusCode())
                .isEqualTo(401);
        HttpResponse<String> refused = call("GET", "/api/v1/runs", denied, null);
        assertThat(refused.statusCode()).isEqualTo(403);
        assertThat(refused.body())
                .contains("system:serviceaccount:" + cluster.namespace() + ":denied")
                .contains("may not list runs.aftershock.dev");
        assertThat(call("GET", "/api/v1/runs", granted, null).statusCode()).isEqualTo(200);
    }

    @Test
    void aNamespacedAgentReviewsEachCallerWithTheCallersOwnToken() throws Exception {
        // As an agent with rbac.scope namespaced does: SelfSubjectReview and SelfSubjectAccessReview.
        AccessReviews asCaller =
                AccessReviews.asCaller(new ClusterAccess.Kubeconfig(cluster.kubeconfig()), cluster.namespace());

        assertThat(asCaller.decide("not-a-token", "list", "runs"))
                .isInstanceOf(AccessReviews.Decision.Unauthenticated.class);
        assertThat(asCaller.decide(denied, "list", "runs"))
                .isEqualTo(new AccessReviews.Decision.Denied(
                        "system:serviceaccount:" + cluster.namespace() + ":denied",
                        "system:serviceaccount:%s:denied may not list runs.aftershock.dev in namespace %s"
                                .formatted(cluster.namespace(), cluster.namespace())));
        assertThat(asCaller.decide(granted, "list", "runs"))
                .isEqualTo(new AccessReviews.Decision.Allowed(
                        "system:serviceaccount:" + cluster.namespace() + ":granted"));
    }

    @Test
    void aSubmittedRunRunsIsFollowedAndItsReportServed() throws Exception {
        String experiment = """
                apiVersion: aftershock.dev/v1alpha1
                kind: Experiment
                metadata: {name: served-kill}
                spec:
                  duration: 10s
                  target: {namespace: %s, workload: deployment/served}
                  faults:
                    - {name: kill, at: 1s, action: pod-kill, pods: {selector: {app: served}, pick: 1}}
                  safety: {maxUnavailable: 1}
                """.formatted(cluster.namespace());
        HttpResponse<String> accepted = call("POST", "/api/v1/runs?file=served.yaml", granted, experiment);
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        String location = accepted.headers().firstValue("Location").orElseThrow();
        String id = location.substring(location.lastIndexOf('/') + 1);
        assertThat(id).startsWith("served-kill-");

        HttpResponse<String> busy = call("POST", "/api/v1/runs", granted, experiment);
        assertThat(busy.statusCode()).isEqualTo(409);
        assertThat(busy.body()).contains(id);

        // The stream ends with the run: every line the CLI would print, then the outcome.
        HttpResponse<String> events = call("GET", location + "/events", granted, null);
        assertThat(events.headers().firstValue("Content-Type"))
                .hasValueSatisfying(t -> assertThat(t).startsWith("text/event-stream"));
        assertThat(events.body())
                .contains("event: line\ndata: run " + id)
                .contains("kill pod-kill")
                .endsWith("event: end\ndata: passed\n\n");

        HttpResponse<String> run = call("GET", location, granted, null);
        assertThat(run.body())
                .contains("\"state\":\"finished\"")
                .contains("\"outcome\":\"passed\"")
                .contains("\"exitCode\":0");
        HttpResponse<String> report = call("GET", location + "/report.html", granted, null);
        assertThat(report.statusCode()).isEqualTo(200);
        assertThat(report.headers().firstValue("Content-Type"))
                .hasValueSatisfying(t -> assertThat(t).startsWith("text/html"));
        assertThat(report.body()).contains(id);
        assertThat(call("GET", location + "/journal.json", granted, null).body())
                .contains("\"kill\"");
        assertThat(call("GET", location + "/junit.xml", denied, null).statusCode())
                .isEqualTo(403);
        assertThat(call("GET", "/api/v1/runs", granted, null).body()).contains(id);
    }

    @Test
    void anAbortRecoversTheCordonAtOnce() throws Exception {
        String experiment = """
                apiVersion: aftershock.dev/v1alpha1
                kind: Experiment
                metadata: {name: served-cordon}
                spec:
                  duration: 2m
                  target: {namespace: %s, workload: deployment/served}
                  faults:
                    - {name: cordon, at: 1s, action: node-cordon, nodes: {hosting: target, pick: 1}, for: 100s}
                  safety: {maxUnavailable: 1}
                """.formatted(cluster.namespace());
        HttpResponse<String> accepted = call("POST", "/api/v1/runs", granted, experiment);
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        String location = accepted.headers().firstValue("Location").orElseThrow();
        await().atMost(Duration.ofSeconds(30)).until(() -> cordoned() == 1);

        assertThat(call("POST", location + "/abort", denied, null).statusCode()).isEqualTo(403);
        assertThat(call("POST", location + "/abort", granted, null).statusCode())
                .isEqualTo(202);
        await().atMost(Duration.ofSeconds(5)).until(() -> cordoned() == 0);
        await().atMost(Duration.ofSeconds(60))
                .until(() -> call("GET", location, granted, null).body().contains("\"state\":\"finished\""));
        assertThat(call("GET", location, granted, null).body())
                .contains("\"outcome\":\"aborted\"")
                .contains("\"exitCode\":3");
    }

    @Test
    void theCliSubmitsFollowsAndExitsAsRunWould() throws Exception {
        Path tokenFile = java.nio.file.Files.writeString(data.resolve("granted.token"), granted);
        Path deniedFile = java.nio.file.Files.writeString(data.resolve("denied.token"), denied);
        Path experiment =
                java.nio.file.Files.writeString(data.resolve("cli-kill.yaml"), """
                apiVersion: aftershock.dev/v1alpha1
                kind: Experiment
                metadata: {name: cli-kill}
                spec:
                  duration: 10s
                  target: {namespace: %s, workload: deployment/served}
                  faults:
                    - {name: kill, at: 1s, action: pod-kill, pods: {selector: {app: served}, pick: 1}}
                  safety: {maxUnavailable: 1}
                """.formatted(cluster.namespace()));
        String url = "http://127.0.0.1:" + api.port();

        var out = new java.io.StringWriter();
        var err = new java.io.StringWriter();
        int exit = dev.aftershock.cli.Main.run(
                new PrintWriter(out),
                new PrintWriter(err),
                "submit",
                experiment.toString(),
                "--agent",
                url,
                "--token-file",
                tokenFile.toString());
        assertThat(exit).as(out + "\n" + err).isZero();
        assertThat(out.toString())
                .contains("submitted: run cli-kill-")
                .contains("kill pod-kill")
                .containsPattern("run cli-kill-\\S+: passed; report: http://127.0.0.1:\\d+/api/v1/runs/cli-kill-");

        var listed = new java.io.StringWriter();
        assertThat(dev.aftershock.cli.Main.run(
                        new PrintWriter(listed),
                        new PrintWriter(new java.io.StringWriter()),
                        "runs",
                        "--agent",
                        url,
                        "--token-file",
                        tokenFile.toString()))
                .isZero();
        assertThat(listed.toString()).contains("cli-kill-").contains("finished").contains("passed");

        // Refusals exit as `run` would: an invalid file 2 with file:line:col, a caller RBAC refuses 2.
        Path bad = java.nio.file.Files.writeString(
                data.resolve("bad.yaml"),
                java.nio.file.Files.readString(experiment).replace("10s", "soon"));
        var badErr = new java.io.StringWriter();
        assertThat(dev.aftershock.cli.Main.run(
                        new PrintWriter(new java.io.StringWriter()),
                        new PrintWriter(badErr),
                        "submit",
                        bad.toString(),
                        "--agent",
                        url,
                        "--token-file",
                        tokenFile.toString()))
                .isEqualTo(2);
        assertThat(badErr.toString()).contains("HTTP 400").contains("bad.yaml:5:");
        var deniedErr = new java.io.StringWriter();
        assertThat(dev.aftershock.cli.Main.run(
                        new PrintWriter(new java.io.StringWriter()),
                        new PrintWriter(deniedErr),
                        "submit",
                        experiment.toString(),
                        "--agent",
                        url,
                        "--token-file",
                        deniedFile.toString()))
                .isEqualTo(2);
        assertThat(deniedErr.toString()).contains("HTTP 403").doesNotContain(denied);
    }

    private long cordoned() throws Exception {
        return cluster.core().listNode().execute().getItems().stream()
                .filter(n -> Boolean.TRUE.equals(n.getSpec().getUnschedulable()))
                .count();
    }
}
