package dev.aftershock.cli;

import java.io.PrintWriter;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

@Command(
        name = "runs",
        mixinStandardHelpOptions = true,
        description = "Lists the runs an agent in the cluster holds, newest first.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:listed", "2:no token, or not allowed to list runs", "3:the agent unreachable"})
final class RunsCommand implements Callable<Integer> {
    @Mixin
    AgentOptions agent;

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
        HttpResponse<String> response;
        try {
            response = HttpClient.newHttpClient()
                    .send(
                            agent.request("/api/v1/runs", token.get())
                                    .timeout(Duration.ofSeconds(30))
                                    .GET()
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
        } catch (java.io.IOException e) {
            err.println("aftershock: cannot reach the agent at " + agent.agent + ": " + e.getMessage());
            return ExitCode.ABORTED.code();
        }
        JsonNode body = JsonMapper.builder().build().readTree(response.body());
        if (response.statusCode() != 200) {
            err.println("refused (HTTP " + response.statusCode() + "): "
                    + body.path("detail").asString(""));
            return response.statusCode() == 401 || response.statusCode() == 403
                    ? ExitCode.INVALID_INPUT.code()
                    : ExitCode.ABORTED.code();
        }
        out.printf("%-50s %-12s %-9s %-20s %s%n", "RUN", "STATE", "OUTCOME", "STARTED", "ENDED");
        for (JsonNode run : body.path("runs")) {
            out.printf(
                    "%-50s %-12s %-9s %-20s %s%n",
                    run.path("id").asString(),
                    run.path("state").asString(),
                    run.path("outcome").asString("-"),
                    run.path("started").asString().replaceAll("\\.\\d+Z$", "Z"),
                    run.path("ended").asString("-").replaceAll("\\.\\d+Z$", "Z"));
        }
        out.flush();
        return ExitCode.PASSED.code();
    }
}
