package dev.aftershock.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aftershock.kube.AccessReviews.Decision;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

/**
 * The API's own decisions, without a cluster: who gets in (a fake of our Reviewer interface stands
 * for the API server's reviews), what a bad experiment gets back, what is open, and that the OpenAPI
 * document lists exactly the routes the server has. Runs that start are AgentApiIT's, on the testbed.
 */
class AgentApiTest {
    private static final String GRANTED = "token-granted";
    private static final String DENIED = "token-denied";

    @TempDir
    Path data;

    private Vertx vertx;
    private WorkerExecutor blocking;
    private AgentApi api;
    private final List<String> asked = new ArrayList<>();
    private volatile boolean ready = true;
    private volatile Optional<String> leader = Optional.empty();
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() throws Exception {
        vertx = Vertx.vertx();
        blocking = vertx.createSharedWorkerExecutor("test-blocking", 2);
        RunRecords records = new RunRecords(data.resolve("runs"));
        records.save(new RunRecord(
                "old-run-1",
                "old",
                "demo/deployment/web",
                RunRecord.FINISHED,
                "passed",
                0,
                Instant.parse("2026-11-01T10:00:00Z"),
                Instant.parse("2026-11-01T10:01:00Z"),
                null));
        Files.writeString(records.dir("old-run-1").resolve("junit.xml"), "<testsuite/>");
        RunService runs = new RunService(
                records,
                submitted -> {
                    throw new AssertionError("nothing may start in these tests");
                },
                () -> {
                    throw new AssertionError("nothing may start in these tests");
                });
        CachedAccess access = new CachedAccess(
                (token, verb, resource) -> {
                    asked.add(verb + " " + resource);
                    return switch (token) {
                        case GRANTED -> new Decision.Allowed("system:serviceaccount:ns:granted");
                        case DENIED -> new Decision.Denied("system:serviceaccount:ns:denied", "may not " + verb);
                        default -> new Decision.Unauthenticated("the token is not valid");
                    };
                },
                Duration.ZERO,
                Clock.systemUTC());
        api = AgentApi.start(
                vertx,
                new AgentApi.Parts(
                        runs,
                        access,
                        () -> "aftershock_runs_total 0\n",
                        () -> ready,
                        blocking,
                        Optional.empty(),
                        Optional.empty(),
                        () -> leader),
                "127.0.0.1",
                0);
    }

    @AfterEach
    void stop() {
        api.close();
        blocking.close();
        vertx.close().toCompletionStage().toCompletableFuture().join();
    }

    private HttpResponse<String> call(String method, String path, String token, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api.port() + path))
                .method(
                        method,
                        body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void noTokenIs401AndNothingIsAsked() throws Exception {
        HttpResponse<String> r = call("GET", "/api/v1/runs", null, null);
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(r.headers().firstValue("WWW-Authenticate")).contains("Bearer");
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(call("GET", "/api/v1/runs", "   ", null).statusCode())
                .as("blanks are no token")
                .isEqualTo(401);
        assertThat(asked).isEmpty();
        assertThat(call("GET", "/api/v1/runs", "not-a-token", null).statusCode())
                .isEqualTo(401);
    }

    @Test
    void aReplicaStandingByIsReadyButTurnsRunsToTheLeader() throws Exception {
        ready = false;
        leader = Optional.of("agent-7d9f-abcde");
        HttpResponse<String> readyz = call("GET", "/readyz", null, null);
        assertThat(readyz.statusCode())
                .as("ready, so a rollout of two replicas goes on")
                .isEqualTo(200);
        assertThat(readyz.body()).contains("standing by: agent-7d9f-abcde leads");
        HttpResponse<String> submit = call("POST", "/api/v1/runs", GRANTED, "x");
        assertThat(submit.statusCode()).isEqualTo(503);
        assertThat(submit.body()).contains("stands by: agent-7d9f-abcde leads and takes runs");
        assertThat(call("POST", "/api/v1/runs/old-run-1/abort", GRANTED, null).statusCode())
                .isEqualTo(503);
        assertThat(call("GET", "/api/v1/runs/old-run-1", GRANTED, null).statusCode())
                .as("records are the cluster's: any replica shows them")
                .isEqualTo(200);
        leader = Optional.empty();
        assertThat(call("GET", "/readyz", null, null).statusCode())
                .as("neither leading nor behind a live leader")
                .isEqualTo(503);
    }

    @Test
    void eachRouteAsksForItsVerbAndResource() throws Exception {
        assertThat(call("GET", "/api/v1/runs", DENIED, null).statusCode()).isEqualTo(403);
        assertThat(call("GET", "/api/v1/runs/old-run-1", DENIED, null).statusCode())
                .isEqualTo(403);
        assertThat(call("POST", "/api/v1/runs", DENIED, "x").statusCode()).isEqualTo(403);
        assertThat(call("POST", "/api/v1/runs/old-run-1/abort", DENIED, null).statusCode())
                .isEqualTo(403);
        assertThat(call("GET", "/api/v1/runs/old-run-1/junit.xml", DENIED, null).statusCode())
                .isEqualTo(403);
        assertThat(asked).containsExactly("list runs", "get runs", "create runs", "delete runs", "get reports");
    }

    @Test
    void anInvalidExperimentIs400WithEveryProblemAndStartsNothing() throws Exception {
        HttpResponse<String> r = call("POST", "/api/v1/runs?file=bad.yaml", GRANTED, """
                apiVersion: aftershock.dev/v1alpha1
                kind: Experiment
                metadata: {name: bad}
                spec:
                  duration: soon
                  target: {namespace: x, workload: deployment/y}
                """);
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(r.body()).contains("\"errors\"").contains("bad.yaml:5:").contains("duration");
        assertThat(call("POST", "/api/v1/runs?file=../etc/passwd", GRANTED, "x").statusCode())
                .isEqualTo(400);
        HttpResponse<String> notWeb = call("POST", "/api/v1/runs?loadUrl=file:///etc/passwd", GRANTED, "x");
        assertThat(notWeb.statusCode()).isEqualTo(400);
        assertThat(notWeb.body())
                .contains("loadUrl: expected an absolute http or https URL")
                .doesNotContain("passwd");
        HttpResponse<String> secretsElsewhere =
                call("POST", "/api/v1/runs?loadUrl=http://attacker.example:80", GRANTED, """
                        apiVersion: aftershock.dev/v1alpha1
                        kind: Experiment
                        metadata: {name: with-token}
                        spec:
                          duration: 1m
                          target: {namespace: x, workload: deployment/y}
                          load:
                            url: http://web.x.svc:8080/
                            headers: {Authorization: {valueFrom: {file: token}}}
                            arrivals: [{hold: {rate: 1, for: 1m}}]
                        """);
        assertThat(secretsElsewhere.statusCode()).as(secretsElsewhere.body()).isEqualTo(400);
        assertThat(secretsElsewhere.body()).contains("loadUrl: refused for an experiment whose load sends headers");
    }

    @Test
    void runsAndTheirArtifactsAreServedToThoseAllowed() throws Exception {
        HttpResponse<String> list = call("GET", "/api/v1/runs", GRANTED, null);
        assertThat(list.statusCode()).isEqualTo(200);
        assertThat(list.body()).contains("\"id\":\"old-run-1\"").contains("\"outcome\":\"passed\"");
        assertThat(call("GET", "/api/v1/runs/old-run-1", GRANTED, null).body()).contains("\"state\":\"finished\"");
        HttpResponse<String> junit = call("GET", "/api/v1/runs/old-run-1/junit.xml", GRANTED, null);
        assertThat(junit.statusCode()).isEqualTo(200);
        assertThat(junit.body()).isEqualTo("<testsuite/>");
        assertThat(call("GET", "/api/v1/runs/old-run-1/report.html", GRANTED, null)
                        .statusCode())
                .isEqualTo(404);
        assertThat(call("GET", "/api/v1/runs/nope", GRANTED, null).statusCode()).isEqualTo(404);
        assertThat(call("GET", "/api/v1/runs/..%2F..%2Fetc/junit.xml", GRANTED, null)
                        .statusCode())
                .isEqualTo(404);
        assertThat(call("POST", "/api/v1/runs/old-run-1/abort", GRANTED, null).statusCode())
                .isEqualTo(409);
        HttpResponse<String> events = call("GET", "/api/v1/runs/old-run-1/events", GRANTED, null);
        assertThat(events.headers().firstValue("Content-Type"))
                .hasValueSatisfying(t -> assertThat(t).startsWith("text/event-stream"));
        assertThat(events.body()).contains("event: end\ndata: passed\n\n");
    }

    @Test
    void noRunIsTakenBeforeTheAgentHasRecoveredItsPredecessorsRuns() throws Exception {
        ready = false;
        assertThat(call("GET", "/readyz", null, null).statusCode()).isEqualTo(503);
        HttpResponse<String> r = call("POST", "/api/v1/runs", GRANTED, "anything");
        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(r.body()).contains("still recovering");
        assertThat(call("GET", "/api/v1/runs", GRANTED, null).statusCode()).isEqualTo(200);
    }

    @Test
    void probesAndMetricsAreOpen() throws Exception {
        assertThat(call("GET", "/healthz", null, null).statusCode()).isEqualTo(200);
        assertThat(call("GET", "/readyz", null, null).statusCode()).isEqualTo(200);
        assertThat(call("GET", "/metrics", null, null).body()).contains("aftershock_runs_total");
        assertThat(call("GET", "/api/v1/openapi.yaml", null, null).body()).startsWith("openapi: 3.1.0");
        assertThat(asked).isEmpty();
    }

    @Test
    void theOpenApiDocumentListsExactlyTheRoutesServed() {
        @SuppressWarnings("unchecked")
        Map<String, Map<String, Object>> paths = (Map<String, Map<String, Object>>)
                new Yaml().<Map<String, Object>>load(AgentApi.openApi()).get("paths");
        TreeSet<String> documented = new TreeSet<>();
        paths.forEach((path, ops) -> ops.keySet().stream()
                .filter(k -> List.of("get", "post", "put", "delete", "patch").contains(k))
                .forEach(m -> documented.add(m.toUpperCase() + " " + path)));
        assertThat(documented).isEqualTo(new TreeSet<>(AgentApi.routes(vertx)));
    }

    @Test
    void serverSentEventsCarryMultiLineDataSafely() {
        assertThat(AgentApi.event(new RunService.Event("line", "a\nevent: end\r")))
                .isEqualTo("event: line\ndata: a\ndata: event: end\n\n");
    }
}
