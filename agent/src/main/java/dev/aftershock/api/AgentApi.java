package dev.aftershock.api;

import dev.aftershock.kube.AccessReviews.Decision;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The agent's HTTP API (api/openapi.yaml describes it). Every /api/v1 route but the document itself
 * needs a bearer token that a TokenReview accepts and a SubjectAccessReview allows for the route's
 * verb on a virtual resource of aftershock.dev in the agent's namespace; /healthz, /readyz and /metrics
 * are open, as probes and Prometheus need. The event loop never blocks: reviews, files and runs go to
 * the worker pool.
 */
public final class AgentApi implements AutoCloseable {
    /** The artifacts of a run, as served: name and content type. */
    static final List<String[]> ARTIFACTS = List.of(
            new String[] {"report.html", "text/html; charset=utf-8"},
            new String[] {"journal.json", "application/json"},
            new String[] {"junit.xml", "application/xml"});

    private static final int MAX_EXPERIMENT_BYTES = 1024 * 1024;
    private final HttpServer server;

    private AgentApi(HttpServer server) {
        this.server = server;
    }

    /** What the API serves from. */
    public record Parts(
            RunService runs,
            CachedAccess access,
            Supplier<String> metrics,
            BooleanSupplier ready,
            WorkerExecutor blocking,
            /** Experiments shipped with the release, run by name. */
            Optional<Path> experiments,
            /** The agent's schedules, if it has any. */
            Optional<Scheduler> schedules,
            /** The replica that leads while this one stands by (not ready, and another replica leads). */
            Supplier<Optional<String>> standingByFor) {
        public Parts(
                RunService runs,
                CachedAccess access,
                Supplier<String> metrics,
                BooleanSupplier ready,
                WorkerExecutor blocking,
                Optional<Path> experiments) {
            this(runs, access, metrics, ready, blocking, experiments, Optional.empty(), Optional::empty);
        }
    }

    public static AgentApi start(Vertx vertx, Parts parts, String host, int port) throws Exception {
        Router router = router(vertx, parts);
        HttpServer server = vertx.createHttpServer()
                .requestHandler(router)
                .listen(port, host)
                .toCompletionStage()
                .toCompletableFuture()
                .get(10, TimeUnit.SECONDS);
        return new AgentApi(server);
    }

    public int port() {
        return server.actualPort();
    }

    static Router router(Vertx vertx, Parts parts) {
        Router router = Router.router(vertx);
        router.get("/healthz").handler(c -> c.response().end("ok\n"));
        router.get("/readyz").handler(c -> {
            Optional<String> leader = parts.standingByFor().get();
            if (parts.ready().getAsBoolean()) {
                c.response().end("ok\n");
            } else if (leader.isPresent()) {
                // Ready, so rollouts go on; the Service selects only the leader's pod.
                c.response().end("standing by: " + leader.get() + " leads and takes runs\n");
            } else {
                c.response().setStatusCode(503).end("starting: looking for runs the last agent left\n");
            }
        });
        router.get("/metrics")
                .handler(c -> c.response()
                        .putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
                        .end(parts.metrics().get()));
        router.get("/api/v1/openapi.yaml")
                .handler(c -> c.response()
                        .putHeader("Content-Type", "application/yaml")
                        .end(openApi()));
        router.post("/api/v1/runs")
                .handler(BodyHandler.create().setBodyLimit(MAX_EXPERIMENT_BYTES).setHandleFileUploads(false))
                .handler(c -> authorized(c, parts, "create", "runs", () -> submit(c, parts)));
        router.get("/api/v1/runs").handler(c -> authorized(c, parts, "list", "runs", () -> list(c, parts)));
        router.get("/api/v1/runs/:id").handler(c -> authorized(c, parts, "get", "runs", () -> show(c, parts)));
        router.get("/api/v1/runs/:id/events").handler(c -> authorized(c, parts, "get", "runs", () -> follow(c, parts)));
        router.post("/api/v1/runs/:id/abort")
                .handler(c -> authorized(c, parts, "delete", "runs", () -> abort(c, parts)));
        router.get("/api/v1/schedules")
                .handler(c -> authorized(c, parts, "list", "schedules", () -> schedules(c, parts)));
        router.post("/api/v1/schedules/:name/suspend")
                .handler(c -> authorized(c, parts, "update", "schedules", () -> suspend(c, parts, true)));
        router.post("/api/v1/schedules/:name/resume")
                .handler(c -> authorized(c, parts, "update", "schedules", () -> suspend(c, parts, false)));
        router.post("/api/v1/schedules/:name/trigger")
                .handler(c -> authorized(c, parts, "create", "runs", () -> trigger(c, parts)));
        for (String[] artifact : ARTIFACTS) {
            router.get("/api/v1/runs/:id/" + artifact[0])
                    .handler(c -> authorized(c, parts, "get", "reports", () -> artifact(c, parts, artifact)));
        }
        router.route()
                .last()
                .handler(c -> problem(
                        c, 404, "Not Found", "no such route: " + c.request().path()));
        return router;
    }

    /** The bearer token reviewed (on the worker pool), then the handler on the event loop. */
    private static void authorized(RoutingContext c, Parts parts, String verb, String resource, Runnable then) {
        String header = c.request().getHeader("Authorization");
        // A token is printable ASCII without spaces (RFC 6750's b64token): anything else is no token.
        if (header == null
                || !header.regionMatches(true, 0, "Bearer ", 0, 7)
                || !header.substring(7).strip().matches("[\\x21-\\x7e]+")) {
            c.response().putHeader("WWW-Authenticate", "Bearer");
            problem(c, 401, "Unauthorized", "a bearer token is required (Authorization: Bearer <token>)");
            return;
        }
        String token = header.substring(7).strip();
        blocking(parts, () -> parts.access().decide(token, verb, resource)).onComplete(result -> {
            if (result.failed()) {
                // Not the exception's message: the client's carries the API server's whole answer.
                problem(
                        c,
                        503,
                        "Service Unavailable",
                        "cannot review the token with the API server ("
                                + (result.cause() instanceof io.kubernetes.client.openapi.ApiException e
                                        ? "HTTP " + e.getCode()
                                        : result.cause().getClass().getSimpleName())
                                + "); try again");
                return;
            }
            switch (result.result()) {
                case Decision.Allowed allowed -> then.run();
                case Decision.Unauthenticated u -> {
                    c.response().putHeader("WWW-Authenticate", "Bearer");
                    problem(c, 401, "Unauthorized", u.why());
                }
                case Decision.Denied d -> problem(c, 403, "Forbidden", d.why());
            }
        });
    }

    /**
     * Whether runs may start; if not, says so (503). A run started before the agent has recovered
     * what its predecessor left could be taken for one of those, and be recovered under itself.
     */
    private static boolean readyForRuns(RoutingContext c, Parts parts) {
        if (parts.ready().getAsBoolean()) {
            return true;
        }
        Optional<String> leader = parts.standingByFor().get();
        if (leader.isPresent()) {
            problem(
                    c,
                    503,
                    "Service Unavailable",
                    "this agent replica stands by: " + leader.get()
                            + " leads and takes runs (the agent's Service sends callers to it)");
            return false;
        }
        problem(c, 503, "Service Unavailable", "the agent is still recovering what its predecessor left; try again");
        return false;
    }

    private static void submit(RoutingContext c, Parts parts) {
        if (!readyForRuns(c, parts)) {
            return;
        }
        String shipped = c.request().getParam("experiment");
        String name = Optional.ofNullable(shipped)
                .or(() -> Optional.ofNullable(c.request().getParam("file")))
                .orElse("experiment.yaml");
        if (!name.matches("[-_a-zA-Z0-9][-._a-zA-Z0-9]{0,99}")) {
            problem(c, 400, "Bad Request", "expected a file name such as quickstart.yaml, got " + name);
            return;
        }
        java.net.URI loadUrl = null;
        String asked = c.request().getParam("loadUrl");
        if (asked != null) {
            loadUrl = loadUrl(asked);
            if (loadUrl == null) {
                // Not echoed: a URL may carry a password.
                problem(c, 400, "Bad Request", "loadUrl: expected an absolute http or https URL");
                return;
            }
        }
        java.net.URI sendLoadTo = loadUrl;
        byte[] sent =
                c.body().buffer() == null ? new byte[0] : c.body().buffer().getBytes();
        if (shipped != null && parts.experiments().isEmpty()) {
            problem(c, 404, "Not Found", "no experiments were shipped with this agent");
            return;
        }
        blocking(parts, () -> {
                    byte[] body = sent;
                    if (shipped != null) {
                        Path file = parts.experiments().get().resolve(shipped);
                        if (!Files.isRegularFile(file)) {
                            return null;
                        }
                        body = Files.readAllBytes(file);
                    }
                    return parts.runs().submit(name, body, sendLoadTo);
                })
                .onComplete(result -> {
                    if (result.succeeded() && result.result() == null) {
                        problem(c, 404, "Not Found", "no experiment " + shipped + " was shipped with this agent");
                        return;
                    }
                    respond(c, result);
                });
    }

    /** Where the caller asked the load to go instead (as `run --load-url`): an absolute http(s) URL. */
    private static java.net.URI loadUrl(String asked) {
        try {
            java.net.URI u = new java.net.URI(asked);
            boolean web = "http".equals(u.getScheme()) || "https".equals(u.getScheme());
            return web && u.getHost() != null ? u : null;
        } catch (java.net.URISyntaxException e) {
            return null;
        }
    }

    private static void respond(RoutingContext c, io.vertx.core.AsyncResult<RunService.Submission> result) {
        if (result.failed()) {
            problem(
                    c,
                    500,
                    "Internal Server Error",
                    "the run could not start: " + result.cause().getMessage());
            return;
        }
        switch (result.result()) {
            case RunService.Submission.Accepted a ->
                c.response()
                        .setStatusCode(202)
                        .putHeader("Location", "/api/v1/runs/" + a.id())
                        .putHeader("Content-Type", "application/json")
                        .end(new JsonObject()
                                .put("id", a.id())
                                .put("state", RunRecord.RUNNING)
                                .encode());
            case RunService.Submission.Invalid i -> {
                JsonObject p = problemBody(400, "Bad Request", "the experiment is not valid; nothing was changed");
                p.put("errors", new JsonArray(i.problems()));
                send(c, 400, p);
            }
            case RunService.Submission.Busy b ->
                problem(
                        c,
                        409,
                        "Conflict",
                        "run %s is in progress (it holds the run lock); nothing was changed".formatted(b.holder()));
        }
    }

    private static void list(RoutingContext c, Parts parts) {
        blocking(parts, () -> parts.runs().list()).onComplete(result -> {
            if (result.failed()) {
                problem(c, 500, "Internal Server Error", result.cause().getMessage());
                return;
            }
            JsonArray runs = new JsonArray();
            result.result().forEach(r -> runs.add(json(r)));
            send(c, 200, new JsonObject().put("runs", runs));
        });
    }

    private static void show(RoutingContext c, Parts parts) {
        String id = c.pathParam("id");
        blocking(parts, () -> parts.runs().find(id)).onComplete(result -> {
            if (result.failed() || result.result().isEmpty()) {
                problem(c, 404, "Not Found", "no run " + id);
                return;
            }
            JsonObject run = json(result.result().get());
            parts.runs()
                    .live(id)
                    .flatMap(RunService.Live::progress)
                    .ifPresent(p -> run.put(
                            "progress",
                            new JsonObject()
                                    .put("elapsedSeconds", p.elapsedSeconds())
                                    .put("rps", p.rps())
                                    .put("p99Millis", finite(p.p99Millis()))
                                    .put("errorPercent", finite(p.errorPercent()))
                                    .put("replicas", p.replicas())
                                    .put("activeFaults", p.activeFaults())));
            send(c, 200, run);
        });
    }

    /** Server-Sent Events: what the run printed so far, then each line and progress as they come. */
    private static void follow(RoutingContext c, Parts parts) {
        String id = c.pathParam("id");
        Optional<RunService.Live> live = parts.runs().live(id);
        if (live.isEmpty()) {
            blocking(parts, () -> parts.runs().find(id)).onComplete(found -> {
                if (found.failed() || found.result().isEmpty()) {
                    problem(c, 404, "Not Found", "no run " + id);
                    return;
                }
                // A run that ended before this agent started (or long ago): only its end.
                HttpServerResponse response = sse(c);
                response.end(
                        event(new RunService.Event("end", found.result().get().outcome())));
            });
            return;
        }
        HttpServerResponse response = sse(c);
        var context = c.vertx().getOrCreateContext();
        Runnable unfollow = live.get()
                .follow(e -> context.runOnContext(v -> {
                    if (response.ended() || response.closed()) {
                        return;
                    }
                    response.write(event(e));
                    if (e.name().equals("end")) {
                        response.end();
                    }
                }));
        response.closeHandler(v -> unfollow.run());
    }

    private static HttpServerResponse sse(RoutingContext c) {
        HttpServerResponse response = c.response();
        response.setChunked(true)
                .putHeader("Content-Type", "text/event-stream; charset=utf-8")
                .putHeader("Cache-Control", "no-cache");
        response.write(": following run " + c.pathParam("id") + "\n\n");
        return response;
    }

    static String event(RunService.Event e) {
        StringBuilder out = new StringBuilder("event: ").append(e.name()).append('\n');
        String data = e.data() == null ? "" : e.data();
        for (String line : data.split("\n", -1)) {
            out.append("data: ").append(line.replace("\r", "")).append('\n');
        }
        return out.append('\n').toString();
    }

    private static void abort(RoutingContext c, Parts parts) {
        String id = c.pathParam("id");
        // A replica standing by runs nothing: the leader may, and the caller should ask it.
        if (parts.standingByFor().get().isPresent() && !readyForRuns(c, parts)) {
            return;
        }
        blocking(parts, () -> parts.runs().abort(id, "aborted over the API")).onComplete(result -> {
            if (result.succeeded() && result.result()) {
                send(c, 202, new JsonObject().put("id", id).put("state", "aborting"));
            } else {
                problem(c, 409, "Conflict", "run " + id + " is not in progress here");
            }
        });
    }

    private static void schedules(RoutingContext c, Parts parts) {
        blocking(
                        parts,
                        () -> parts.schedules()
                                .map(s -> s.list(java.time.Instant.now()))
                                .orElse(List.of()))
                .onComplete(result -> {
                    if (result.failed()) {
                        problem(c, 500, "Internal Server Error", result.cause().getMessage());
                        return;
                    }
                    JsonArray all = new JsonArray();
                    for (Scheduler.View v : result.result()) {
                        all.add(new JsonObject()
                                .put("name", v.name())
                                .put("experiment", v.experiment())
                                .put("cron", v.cron())
                                .put("timeZone", v.timeZone())
                                .put("concurrencyPolicy", v.concurrencyPolicy())
                                .put("suspended", v.suspended())
                                .put(
                                        "lastScheduled",
                                        v.lastScheduled() == null
                                                ? null
                                                : v.lastScheduled().toString())
                                .put("next", v.next() == null ? null : v.next().toString()));
                    }
                    send(c, 200, new JsonObject().put("schedules", all));
                });
    }

    private static void suspend(RoutingContext c, Parts parts, boolean suspend) {
        String name = c.pathParam("name");
        blocking(
                        parts,
                        () -> parts.schedules()
                                .map(s -> s.suspend(name, suspend))
                                .orElse(false))
                .onComplete(result -> {
                    if (result.failed()) {
                        problem(c, 503, "Service Unavailable", result.cause().getMessage());
                    } else if (!result.result()) {
                        problem(c, 404, "Not Found", "no schedule " + name);
                    } else {
                        send(c, 200, new JsonObject().put("name", name).put("suspended", suspend));
                    }
                });
    }

    private static void trigger(RoutingContext c, Parts parts) {
        String name = c.pathParam("name");
        if (!readyForRuns(c, parts)) {
            return;
        }
        blocking(
                        parts,
                        () -> parts.schedules().isEmpty()
                                ? Optional.<String>empty()
                                : parts.schedules().get().trigger(name, java.time.Instant.now()))
                .onComplete(result -> {
                    if (result.failed()) {
                        problem(
                                c,
                                500,
                                "Internal Server Error",
                                "the run could not start: " + result.cause().getMessage());
                    } else if (result.result().isEmpty()) {
                        problem(c, 404, "Not Found", "no schedule " + name);
                    } else {
                        String id = result.result().get();
                        c.response()
                                .setStatusCode(202)
                                .putHeader("Location", "/api/v1/runs/" + id)
                                .putHeader("Content-Type", "application/json")
                                .end(new JsonObject().put("id", id).encode());
                    }
                });
    }

    private static void artifact(RoutingContext c, Parts parts, String[] artifact) {
        String id = c.pathParam("id");
        Path file = parts.runs().artifact(id, artifact[0]);
        blocking(parts, () -> parts.runs().find(id).isPresent() && Files.isRegularFile(file))
                .onComplete(exists -> {
                    if (exists.failed() || !exists.result()) {
                        problem(c, 404, "Not Found", "run %s has no %s".formatted(id, artifact[0]));
                        return;
                    }
                    c.response().putHeader("Content-Type", artifact[1]).sendFile(file.toString());
                });
    }

    private static JsonObject json(RunRecord r) {
        JsonObject o = new JsonObject()
                .put("id", r.id())
                .put("experiment", r.experiment())
                .put("target", r.target())
                .put("state", r.state())
                .put("started", r.started().toString());
        if (r.outcome() != null) {
            o.put("outcome", r.outcome()).put("exitCode", r.exitCode());
        }
        if (r.ended() != null) {
            o.put("ended", r.ended().toString());
        }
        if (r.reason() != null) {
            o.put("reason", r.reason());
        }
        return o;
    }

    private static Object finite(double v) {
        return Double.isFinite(v) ? v : null;
    }

    private static <T> Future<T> blocking(Parts parts, Callable<T> work) {
        return parts.blocking().executeBlocking(work, false);
    }

    static JsonObject problemBody(int status, String title, String detail) {
        return new JsonObject()
                .put("type", "about:blank")
                .put("title", title)
                .put("status", status)
                .put("detail", detail);
    }

    private static void problem(RoutingContext c, int status, String title, String detail) {
        c.response().putHeader("Content-Type", "application/problem+json");
        c.response()
                .setStatusCode(status)
                .end(problemBody(status, title, detail).encode());
    }

    private static void send(RoutingContext c, int status, JsonObject body) {
        String type = status >= 400 ? "application/problem+json" : "application/json";
        c.response().setStatusCode(status).putHeader("Content-Type", type).end(body.encode());
    }

    /** Read once (the event loop serves it). */
    static String openApi() {
        return OpenApi.TEXT;
    }

    private static final class OpenApi {
        static final String TEXT = read();

        private static String read() {
            try (var in = AgentApi.class.getResourceAsStream("openapi.yaml")) {
                return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            } catch (java.io.IOException | NullPointerException e) {
                throw new IllegalStateException("the OpenAPI document is missing from the agent's jar", e);
            }
        }
    }

    /** For the OpenAPI check: the routes the server has, as "METHOD path" with {id}. */
    static List<String> routes(Vertx vertx) {
        return router(vertx, new Parts(null, null, () -> "", () -> true, null, Optional.empty())).getRoutes().stream()
                .filter(r -> r.getPath() != null && r.methods() != null)
                .flatMap(r -> r.methods().stream()
                        .map(m -> m.name().toUpperCase(Locale.ROOT) + " "
                                + r.getPath().replaceAll(":([a-zA-Z]+)", "{$1}")))
                .distinct()
                .toList();
    }

    @Override
    public void close() {
        try {
            server.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            // Stopping: a slow close changes nothing in the cluster.
        }
    }
}
