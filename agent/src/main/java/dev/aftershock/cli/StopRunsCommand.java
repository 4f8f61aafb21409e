package dev.aftershock.cli;

import java.io.PrintWriter;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * What the chart's pre-delete hook runs: aborts the agent's run in progress and waits until it has
 * ended, every fault recovered, before Helm deletes the agent's ServiceAccount and RBAC (after
 * which the agent could no longer undo anything).
 */
@Command(
        name = "stop-runs",
        mixinStandardHelpOptions = true,
        description = "Aborts an agent's runs in progress and waits until they have ended (their faults recovered).",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:no run is in progress (or the agent is not running)",
            "2:no token, or not allowed",
            "3:a run did not end in time"
        })
final class StopRunsCommand implements Callable<Integer> {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Mixin
    AgentOptions agent;

    @Option(names = "--within", paramLabel = "SECONDS", defaultValue = "120")
    int within;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        var token = agent.tokenOrSay(err);
        if (token.isEmpty()) {
            return ExitCode.INVALID_INPUT.code();
        }
        HttpClient http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        Instant until = Instant.now().plusSeconds(within);
        boolean asked = false;
        while (Instant.now().isBefore(until)) {
            HttpResponse<String> listed;
            try {
                listed = http.send(
                        agent.request("/api/v1/runs", token.get())
                                .timeout(Duration.ofSeconds(10))
                                .GET()
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
            } catch (java.io.IOException e) {
                out.println("the agent is not answering (" + e.getMessage() + "): no run of its is in progress");
                out.flush();
                return ExitCode.PASSED.code();
            }
            if (listed.statusCode() == 401 || listed.statusCode() == 403) {
                err.println("aftershock: not allowed to list the agent's runs (HTTP " + listed.statusCode() + ")");
                return ExitCode.INVALID_INPUT.code();
            }
            List<String> running = new ArrayList<>();
            if (listed.statusCode() == 200) {
                for (JsonNode run : JSON.readTree(listed.body()).path("runs")) {
                    if (run.path("state").asString("").equals("running")) {
                        running.add(run.path("id").asString());
                    }
                }
            }
            if (listed.statusCode() == 200 && running.isEmpty()) {
                out.println(asked ? "every run has ended, its faults recovered" : "no run is in progress");
                out.flush();
                return ExitCode.PASSED.code();
            }
            if (!asked) {
                for (String id : running) {
                    http.send(
                            agent.request("/api/v1/runs/" + id + "/abort", token.get())
                                    .timeout(Duration.ofSeconds(10))
                                    .POST(HttpRequest.BodyPublishers.noBody())
                                    .build(),
                            HttpResponse.BodyHandlers.discarding());
                    out.println("aborting run " + id);
                }
                out.flush();
                asked = !running.isEmpty();
            }
            Thread.sleep(500);
        }
        err.println("aftershock: a run of the agent did not end within " + within + " s");
        return ExitCode.ABORTED.code();
    }
}
