package dev.aftershock.load.driver;

import static io.gatling.javaapi.core.CoreDsl.StringBody;
import static io.gatling.javaapi.core.CoreDsl.constantUsersPerSec;
import static io.gatling.javaapi.core.CoreDsl.rampUsersPerSec;
import static io.gatling.javaapi.core.CoreDsl.responseTimeInMillis;
import static io.gatling.javaapi.core.CoreDsl.scenario;
import static io.gatling.javaapi.http.HttpDsl.header;
import static io.gatling.javaapi.http.HttpDsl.http;
import static io.gatling.javaapi.http.HttpDsl.status;

import io.gatling.javaapi.core.OpenInjectionStep;
import io.gatling.javaapi.core.ScenarioBuilder;
import io.gatling.javaapi.core.Session;
import io.gatling.javaapi.core.Simulation;
import io.gatling.javaapi.http.HttpRequestActionBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The experiment's load as a Gatling open-model simulation. Read from system properties:
 * {@code aftershock.plan} (a {@link LoadPlan} file, or {@code env:NAME}: the plan's text in
 * environment variable NAME, as an injector pod has it) and {@code aftershock.outcomes} (host:port of
 * the agent's outcome socket; {@code stdout}: an injector pod's standard output, which the agent
 * follows; absent: standalone, outcomes go nowhere). Every request's outcome is
 * reported there, aggregated by second ({@link OutcomeStream}); Gatling's own simulation.log is
 * never read.
 */
public class PlanSimulation extends Simulation {

    private final OutcomeStream outcomes;
    private final long timeoutMs;
    private final long startAtMs;

    public PlanSimulation() {
        LoadPlan plan;
        try {
            String source = System.getProperty("aftershock.plan");
            plan = source.startsWith("env:")
                    ? LoadPlan.fromEnvironment(source.substring("env:".length()))
                    : LoadPlan.read(Path.of(source));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        timeoutMs = plan.timeoutMs();
        startAtMs = plan.startAtMs();
        // Without an outcome socket the simulation runs standalone: the baseline of the rps benchmark.
        String agent = System.getProperty("aftershock.outcomes");
        if (agent == null) {
            outcomes = null;
        } else if (agent.equals("stdout")) {
            outcomes = OutcomeStream.toStandardOutput(System.out, plan.originMs(), plan.recordRequests());
        } else {
            outcomes = OutcomeStream.connect(agent, plan.originMs());
        }

        HttpRequestActionBuilder request = http("request")
                .httpRequest(plan.method(), plan.url())
                .headers(plan.headers())
                .requestTimeout(Duration.ofMillis(plan.timeoutMs()))
                .check(
                        status().saveAs("status"),
                        responseTimeInMillis().saveAs("latency"),
                        header(plan.podHeader()).optional().saveAs("pod"),
                        header(plan.nodeHeader()).optional().saveAs("node"),
                        header(plan.clientHeader()).optional().saveAs("client"));
        if (plan.body().isPresent()) {
            request = request.body(StringBody(plan.body().get()));
        }
        ScenarioBuilder traffic = scenario("aftershock")
                .exec(session -> session.set("start", System.currentTimeMillis()))
                .exec(request)
                .exec(this::report);

        setUp(traffic.injectOpen(steps(plan.phases())))
                .protocols(http.disableCaching().disableFollowRedirect().disableWarmUp());
    }

    private Session report(Session session) {
        long start = session.getLong("start");
        long now = System.currentTimeMillis();
        boolean answered = session.contains("status");
        int status = answered ? session.getInt("status") : 0;
        long latency = session.contains("latency") ? session.getInt("latency") : now - start;
        String error = null;
        if (!answered) {
            // No response: Gatling hands the cause to its own log only; time tells a timeout apart.
            error = latency >= timeoutMs - 50 ? "timeout" : "connect";
        } else if (status >= 500) {
            error = "http-5xx";
        } else if (status >= 400) {
            error = "http-4xx";
        }
        if (outcomes == null) {
            return session.markAsSucceeded();
        }
        outcomes.record(
                start,
                latency,
                status,
                session.contains("pod") ? session.getString("pod") : null,
                session.contains("node") ? session.getString("node") : null,
                session.contains("client") ? session.getString("client") : null,
                error);
        return session.markAsSucceeded();
    }

    static List<OpenInjectionStep> steps(List<LoadPlan.Phase> phases) {
        List<OpenInjectionStep> steps = new ArrayList<>();
        for (LoadPlan.Phase phase : phases) {
            Duration d = Duration.ofMillis(phase.millis());
            switch (phase) {
                case LoadPlan.Ramp r ->
                    steps.add(rampUsersPerSec(r.from()).to(r.to()).during(d));
                case LoadPlan.Hold h -> steps.add(constantUsersPerSec(h.rate()).during(d));
            }
        }
        return steps;
    }

    /** An injector waits for the run's start, on its own clock, so that every injector starts with it. */
    @Override
    public void before() {
        if (startAtMs <= 0) {
            return;
        }
        if (outcomes != null) {
            outcomes.ready(startAtMs);
        }
        try {
            long wait;
            while ((wait = startAtMs - System.currentTimeMillis()) > 0) {
                Thread.sleep(Math.min(wait, 1_000));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void after() {
        if (outcomes != null) {
            outcomes.close();
        }
    }
}
