package dev.aftershock.targetservice;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClientOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The service Aftershock's tests, demos and example experiments aim at. Every answer names the pod,
 * the node and the client address the service saw, so a load run can tell who answered and whether
 * the source address was rewritten on the way.
 */
public final class TargetService {
    static final String POD_HEADER = "X-Aftershock-Pod";
    static final String NODE_HEADER = "X-Aftershock-Node";
    static final String CLIENT_HEADER = "X-Aftershock-Client-Ip";
    private static final long MAX_CPU_MS = 10_000;

    private final Vertx vertx;
    private final TargetSettings settings;
    private final LifecycleLog lifecycle;
    private final MemoryHolder memory = new MemoryHolder();
    private final AtomicBoolean ready;
    private final AtomicBoolean shuttingDown = new AtomicBoolean();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    private HttpServer server;

    TargetService(Vertx vertx, TargetSettings settings) {
        this.vertx = vertx;
        this.settings = settings;
        this.lifecycle = new LifecycleLog(settings.eventLog());
        this.ready = new AtomicBoolean(settings.readyAtStart());
    }

    public static void main(String[] args) {
        var settings = TargetSettings.fromEnvironment(System.getenv());
        var vertx = Vertx.vertx();
        var service = new TargetService(vertx, settings);
        var port = service.start().await();
        System.out.printf(
                "aftershock-target listening on %d (pod %s, node %s)%n", port, settings.pod(), settings.node());
        switch (settings.onSigterm()) {
            case DRAIN ->
                Runtime.getRuntime().addShutdownHook(new Thread(service::shutDownGracefully, "graceful-shutdown"));
            case EXIT -> Runtime.getRuntime().addShutdownHook(new Thread(service::exitAtOnce, "exit-at-once"));
            // A handler of its own replaces the JVM's: no shutdown hook runs, the process goes on.
            case IGNORE ->
                sun.misc.Signal.handle(
                        new sun.misc.Signal("TERM"), signal -> service.lifecycle.record("sigterm ignored"));
        }
    }

    /** SIGTERM, badly handled: gone at once, without draining; connections still coming are refused. */
    void exitAtOnce() {
        lifecycle.record("sigterm");
        lifecycle.record("exit in-flight=" + inFlight.get());
        Runtime.getRuntime().halt(143);
    }

    Future<Integer> start() {
        lifecycle.record("started");
        memory.startHolding(vertx, settings.holdMib(), settings.holdRateMibPerSecond());
        var router = Router.router(vertx);
        router.route().handler(this::countInFlight);
        router.get("/healthz").handler(ctx -> answer(ctx, 200, new JsonObject().put("status", "ok")));
        router.get("/ready").handler(this::readiness);
        router.post("/ready").handler(this::switchReadiness);
        router.get("/work").handler(this::work);
        router.post("/memory").handler(this::holdMemory);
        router.get("/memory").handler(ctx -> answer(ctx, 200, memoryState()));
        router.delete("/memory").handler(ctx -> {
            memory.release();
            answer(ctx, 200, memoryState());
        });
        router.get("/prestop").handler(this::preStop);
        router.get("/egress").handler(this::egress);
        router.get("/").handler(ctx -> answer(ctx, 200, new JsonObject().put("service", "aftershock-target")));
        server = vertx.createHttpServer().requestHandler(router);
        return server.listen(settings.port()).map(HttpServer::actualPort);
    }

    /** SIGTERM: stop being ready, stop taking connections, let in-flight requests finish, then exit. */
    void shutDownGracefully() {
        if (!shuttingDown.compareAndSet(false, true)) {
            return;
        }
        lifecycle.record("sigterm");
        ready.set(false);
        sleepQuietly(settings.shutdownDelayMs());
        var drained = new CountDownLatch(1);
        server.shutdown(settings.drainTimeoutSeconds(), TimeUnit.SECONDS).onComplete(done -> drained.countDown());
        try {
            drained.await(settings.drainTimeoutSeconds() + 1L, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        lifecycle.record("exit in-flight=" + inFlight.get());
        vertx.close();
    }

    private void countInFlight(RoutingContext ctx) {
        inFlight.incrementAndGet();
        ctx.addEndHandler(done -> inFlight.decrementAndGet());
        ctx.next();
    }

    private void readiness(RoutingContext ctx) {
        var isReady = ready.get();
        answer(ctx, isReady ? 200 : 503, new JsonObject().put("ready", isReady));
    }

    private void switchReadiness(RoutingContext ctx) {
        var state = ctx.request().getParam("state", "on");
        if (!state.equals("on") && !state.equals("off")) {
            answer(ctx, 400, new JsonObject().put("error", "state must be on or off, not " + state));
            return;
        }
        ready.set(state.equals("on") && !shuttingDown.get());
        lifecycle.record("ready " + state);
        answer(ctx, 200, new JsonObject().put("ready", ready.get()));
    }

    private void work(RoutingContext ctx) {
        long cpuMs;
        long sleepMs;
        try {
            cpuMs = Long.parseLong(ctx.request().getParam("cpuMs", "0"));
            sleepMs = Long.parseLong(ctx.request().getParam("sleepMs", "0"));
        } catch (NumberFormatException e) {
            answer(ctx, 400, new JsonObject().put("error", "cpuMs and sleepMs must be whole numbers"));
            return;
        }
        if (cpuMs < 0 || cpuMs > MAX_CPU_MS || sleepMs < 0 || sleepMs > MAX_CPU_MS) {
            answer(ctx, 400, new JsonObject().put("error", "cpuMs and sleepMs must be between 0 and " + MAX_CPU_MS));
            return;
        }
        // Unordered: concurrent requests burn CPU on as many worker threads as the pool has.
        vertx.executeBlocking(() -> burnCpu(cpuMs), false).onComplete(burnt -> {
            var body = new JsonObject().put("cpuMs", burnt.result());
            if (sleepMs == 0) {
                answer(ctx, 200, body);
            } else {
                vertx.setTimer(sleepMs, t -> answer(ctx, 200, body.put("sleptMs", sleepMs)));
            }
        });
    }

    /** Burns this thread's CPU time (not wall time), so a busy pod shows the CPU use that was asked for. */
    private long burnCpu(long cpuMs) {
        long target = threads.getCurrentThreadCpuTime() + TimeUnit.MILLISECONDS.toNanos(cpuMs);
        long sink = 0;
        while (threads.getCurrentThreadCpuTime() < target) {
            for (int i = 0; i < 10_000; i++) {
                sink += i * 31L ^ sink;
            }
        }
        return sink == 42 ? cpuMs + 1 : cpuMs;
    }

    private void holdMemory(RoutingContext ctx) {
        int mib;
        try {
            mib = Integer.parseInt(ctx.request().getParam("mib", "0"));
        } catch (NumberFormatException e) {
            answer(ctx, 400, new JsonObject().put("error", "mib must be a whole number"));
            return;
        }
        if (mib < 0 || mib > 65_536) {
            answer(ctx, 400, new JsonObject().put("error", "mib must be between 0 and 65536"));
            return;
        }
        vertx.executeBlocking(() -> memory.hold(mib), false).onComplete(held -> answer(ctx, 200, memoryState()));
    }

    private JsonObject memoryState() {
        return new JsonObject().put("heldMib", memory.heldMib());
    }

    /** A preStop hook target: records when the kubelet called it and answers after sleepMs. */
    private void preStop(RoutingContext ctx) {
        lifecycle.record("prestop");
        long sleepMs = Long.parseLong(ctx.request().getParam("sleepMs", "0"));
        if (sleepMs <= 0) {
            answer(ctx, 200, new JsonObject().put("preStop", "done"));
            return;
        }
        vertx.setTimer(sleepMs, t -> {
            lifecycle.record("prestop-done");
            answer(ctx, 200, new JsonObject().put("preStop", "done"));
        });
    }

    /**
     * Tries one TCP connection out of the pod (host, port, timeoutMs) and says whether it opened:
     * the testbed's check that nothing leaves the machine from a pod network.
     */
    private void egress(RoutingContext ctx) {
        var host = ctx.request().getParam("host", "");
        int port;
        int timeoutMs;
        try {
            port = Integer.parseInt(ctx.request().getParam("port", "80"));
            timeoutMs = Integer.parseInt(ctx.request().getParam("timeoutMs", "2000"));
        } catch (NumberFormatException e) {
            answer(ctx, 400, new JsonObject().put("error", "port and timeoutMs must be whole numbers"));
            return;
        }
        if (host.isBlank()) {
            answer(ctx, 400, new JsonObject().put("error", "host is required"));
            return;
        }
        var client = vertx.createNetClient(new NetClientOptions().setConnectTimeout(timeoutMs));
        client.connect(port, host).onComplete(connected -> {
            var body = new JsonObject().put("host", host).put("port", port).put("connected", connected.succeeded());
            if (connected.succeeded()) {
                connected.result().close();
            } else {
                body.put("error", String.valueOf(connected.cause().getMessage()));
            }
            client.close();
            answer(ctx, 200, body);
        });
    }

    private void answer(RoutingContext ctx, int status, JsonObject body) {
        HttpServerResponse response = ctx.response();
        if (response.ended() || response.closed()) {
            return;
        }
        response.setStatusCode(status)
                .putHeader("Content-Type", "application/json")
                .putHeader(POD_HEADER, settings.pod())
                .putHeader(NODE_HEADER, settings.node())
                .putHeader(CLIENT_HEADER, clientIp(ctx));
        if (shuttingDown.get()) {
            // Tell keep-alive clients to go elsewhere for their next request.
            response.putHeader("Connection", "close");
        }
        response.end(body.put("pod", settings.pod())
                .put("node", settings.node())
                .put("client", clientIp(ctx))
                .encode());
    }

    private static String clientIp(RoutingContext ctx) {
        var remote = ctx.request().connection().remoteAddress();
        return remote == null ? "" : remote.hostAddress();
    }

    private static void sleepQuietly(long ms) {
        if (ms <= 0) {
            return;
        }
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
