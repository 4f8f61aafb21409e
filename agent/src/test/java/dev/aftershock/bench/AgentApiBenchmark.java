package dev.aftershock.bench;

import dev.aftershock.api.AgentApi;
import dev.aftershock.api.CachedAccess;
import dev.aftershock.api.RunRecord;
import dev.aftershock.api.RunRecords;
import dev.aftershock.api.RunService;
import dev.aftershock.kube.AccessReviews;
import dev.aftershock.kube.ClusterAccess;
import dev.aftershock.kube.KubeClients;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.apis.RbacAuthorizationV1Api;
import io.kubernetes.client.openapi.models.AuthenticationV1TokenRequest;
import io.kubernetes.client.openapi.models.RbacV1Subject;
import io.kubernetes.client.openapi.models.V1Namespace;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1PolicyRule;
import io.kubernetes.client.openapi.models.V1Role;
import io.kubernetes.client.openapi.models.V1RoleBinding;
import io.kubernetes.client.openapi.models.V1RoleRef;
import io.kubernetes.client.openapi.models.V1ServiceAccount;
import io.kubernetes.client.openapi.models.V1TokenRequestSpec;
import io.vertx.core.Vertx;
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
import java.util.Locale;
import java.util.Optional;

/**
 * The agent's API latency over 200 calls each, against its unauthenticated /healthz on the same
 * server side by side (alternating): a run's status (GET /api/v1/runs/{id}) and a submission that
 * validation refuses (POST /api/v1/runs, 400: the whole submit path short of starting a run, which
 * only one at a time may), with the access decision cached (5 s, as installed) and reviewed by the
 * testbed's API server on every call (cache 0 s: a TokenReview and a SubjectAccessReview each).
 * Run: scripts/bench api
 */
public final class AgentApiBenchmark {
    private static final int CALLS = 200;

    public static void main(String[] args) throws Exception {
        Path kubeconfig = Path.of(System.getenv("KUBECONFIG"));
        ApiClient client = KubeClients.forCalls(new ClusterAccess.Kubeconfig(kubeconfig));
        CoreV1Api core = new CoreV1Api(client);
        String ns = "bench-api-" + Long.toHexString(System.nanoTime() & 0xfffff);
        core.createNamespace(new V1Namespace().metadata(new V1ObjectMeta().name(ns)))
                .execute();
        Vertx vertx = Vertx.vertx();
        var blocking = vertx.createSharedWorkerExecutor("bench-blocking", 8);
        try {
            String token = grantedToken(client, ns);
            Path data = Files.createTempDirectory("aftershock-bench-api");
            RunRecords records = new RunRecords(data);
            records.save(new RunRecord(
                    "bench-1",
                    "bench",
                    "bench/deployment/web",
                    RunRecord.FINISHED,
                    "passed",
                    0,
                    Instant.now(),
                    Instant.now(),
                    null));
            for (Duration cache : List.of(Duration.ofSeconds(5), Duration.ZERO)) {
                RunService runs = new RunService(records, s -> null, Optional::empty);
                AgentApi api = AgentApi.start(
                        vertx,
                        new AgentApi.Parts(
                                runs,
                                new CachedAccess(AccessReviews.delegated(client, ns)::decide, cache, Clock.systemUTC()),
                                () -> "",
                                () -> true,
                                blocking,
                                Optional.empty()),
                        "127.0.0.1",
                        0);
                try {
                    measure(api.port(), token, cache);
                } finally {
                    api.close();
                }
            }
        } finally {
            blocking.close();
            vertx.close().toCompletionStage().toCompletableFuture().join();
            core.deleteNamespace(ns).execute();
        }
    }

    private static void measure(int port, String token, Duration cache) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        URI base = URI.create("http://127.0.0.1:" + port);
        HttpRequest health =
                HttpRequest.newBuilder(base.resolve("/healthz")).GET().build();
        HttpRequest status = HttpRequest.newBuilder(base.resolve("/api/v1/runs/bench-1"))
                .header("Authorization", "Bearer " + token)
                .GET()
                .build();
        HttpRequest submit = HttpRequest.newBuilder(base.resolve("/api/v1/runs?file=bad.yaml"))
                .header("Authorization", "Bearer " + token)
                .POST(HttpRequest.BodyPublishers.ofString("""
                        apiVersion: aftershock.dev/v1alpha1
                        kind: Experiment
                        metadata: {name: bad}
                        spec:
                          duration: soon
                          target: {namespace: x, workload: deployment/y}
                        """))
                .build();
        for (int i = 0; i < 20; i++) {
            call(http, health, 200);
            call(http, status, 200);
            call(http, submit, 400);
        }
        List<Double> h = new ArrayList<>();
        List<Double> s = new ArrayList<>();
        List<Double> p = new ArrayList<>();
        for (int i = 0; i < CALLS; i++) {
            h.add(call(http, health, 200));
            s.add(call(http, status, 200));
            h.add(call(http, health, 200));
            p.add(call(http, submit, 400));
        }
        h.sort(null);
        s.sort(null);
        p.sort(null);
        double h50 = Stats.percentile(h, 50);
        double h99 = Stats.percentile(h, 99);
        System.out.printf(
                Locale.ROOT,
                "access decisions cached %s: /healthz p50 %.2f ms p99 %.2f ms; status p50 %.2f ms p99 %.2f ms"
                        + " (ratios %.1f, %.1f); submit refused by validation p50 %.2f ms p99 %.2f ms (ratios %.1f, %.1f)%n",
                cache.isZero() ? "never" : cache.toSeconds() + " s",
                h50,
                h99,
                Stats.percentile(s, 50),
                Stats.percentile(s, 99),
                Stats.percentile(s, 50) / h50,
                Stats.percentile(s, 99) / h99,
                Stats.percentile(p, 50),
                Stats.percentile(p, 99),
                Stats.percentile(p, 50) / h50,
                Stats.percentile(p, 99) / h99);
    }

    private static double call(HttpClient http, HttpRequest request, int expected) throws Exception {
        long start = System.nanoTime();
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        double ms = (System.nanoTime() - start) / 1e6;
        if (response.statusCode() != expected) {
            throw new IllegalStateException(
                    request.uri() + " answered " + response.statusCode() + ": " + response.body());
        }
        return ms;
    }

    private static String grantedToken(ApiClient client, String ns) throws Exception {
        CoreV1Api core = new CoreV1Api(client);
        core.createNamespacedServiceAccount(ns, new V1ServiceAccount().metadata(new V1ObjectMeta().name("caller")))
                .execute();
        var rbac = new RbacAuthorizationV1Api(client);
        rbac.createNamespacedRole(
                        ns,
                        new V1Role()
                                .metadata(new V1ObjectMeta().name("caller"))
                                .rules(List.of(new V1PolicyRule()
                                        .apiGroups(List.of("aftershock.dev"))
                                        .resources(List.of("runs"))
                                        .verbs(List.of("create", "get")))))
                .execute();
        rbac.createNamespacedRoleBinding(
                        ns,
                        new V1RoleBinding()
                                .metadata(new V1ObjectMeta().name("caller"))
                                .roleRef(new V1RoleRef()
                                        .apiGroup("rbac.authorization.k8s.io")
                                        .kind("Role")
                                        .name("caller"))
                                .subjects(List.of(new RbacV1Subject()
                                        .kind("ServiceAccount")
                                        .name("caller")
                                        .namespace(ns))))
                .execute();
        return core.createNamespacedServiceAccountToken(
                        "caller",
                        ns,
                        new AuthenticationV1TokenRequest().spec(new V1TokenRequestSpec().expirationSeconds(3600L)))
                .execute()
                .getStatus()
                .getToken();
    }
}
