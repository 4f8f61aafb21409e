package dev.aftershock.cli;

import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Iterator;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

@Command(
        name = "submit",
        mixinStandardHelpOptions = true,
        description = {
            "Submits an experiment to an agent in the cluster, prints the run's id, follows its progress",
            "until the verdict, and exits as `aftershock run` would have."
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:passed",
            "1:a hypothesis failed (or could not be evaluated)",
            "2:invalid experiment, refused by a safety guard, or not allowed (no token, or RBAC)",
            "3:aborted, interrupted, another run in progress, or the agent unreachable"
        })
final class SubmitCommand implements Callable<Integer> {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Parameters(paramLabel = "FILE", description = "The experiment file.")
    Path file;

    @Mixin
    AgentOptions agent;

    @picocli.CommandLine.Option(
            names = "--load-url",
            paramLabel = "URL",
            description = "Have the agent send the load here instead: replaces the scheme, host and port of the"
                    + " experiment's load URL, as `run --load-url` does (for example the Service's cluster IP where"
                    + " the cluster has no DNS).")
    java.net.URI loadUrl;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
            err.println("aftershock: cannot read " + file);
            return ExitCode.INVALID_INPUT.code();
        }
        var token = agent.tokenOrSay(err);
        if (token.isEmpty()) {
            return ExitCode.INVALID_INPUT.code();
        }
        HttpClient http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        HttpResponse<String> submitted;
        try {
            submitted = http.send(
                    agent.request(
                                    "/api/v1/runs?file="
                                            + file.getFileName().toString().replaceAll("[^-._a-zA-Z0-9]", "_")
                                            + (loadUrl == null
                                                    ? ""
                                                    : "&loadUrl="
                                                            + java.net.URLEncoder.encode(
                                                                    loadUrl.toString(),
                                                                    java.nio.charset.StandardCharsets.UTF_8)),
                                    token.get())
                            .timeout(Duration.ofSeconds(60))
                            .header("Content-Type", "application/yaml")
                            .POST(HttpRequest.BodyPublishers.ofFile(file))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (java.io.IOException e) {
            err.println("aftershock: cannot reach the agent at " + agent.agent + ": " + e.getMessage());
            return ExitCode.ABORTED.code();
        }
        if (submitted.statusCode() != 202) {
            return refused(submitted, err);
        }
        String location = submitted.headers().firstValue("Location").orElseThrow();
        String id = location.substring(location.lastIndexOf('/') + 1);
        out.println("submitted: run " + id + " on " + agent.agent);
        out.flush();
        follow(http, token.get(), agent.agent.resolve(location + "/events"), out, err);
        JsonNode run = verdict(http, token.get(), agent.agent.resolve(location));
        out.printf(
                "run %s: %s; report: %s%n",
                id, run.path("outcome").asString("unknown"), agent.agent.resolve(location + "/report.html"));
        out.flush();
        return run.path("exitCode").asInt(ExitCode.ABORTED.code());
    }

    /** The agent's refusal, said as the CLI says its own; the exit code `run` would have used. */
    private static int refused(HttpResponse<String> response, PrintWriter err) {
        JsonNode problem;
        try {
            problem = JSON.readTree(response.body());
        } catch (RuntimeException e) {
            problem = JSON.createObjectNode();
        }
        err.println("refused (HTTP " + response.statusCode() + "): "
                + problem.path("detail").asString(response.body()));
        for (Iterator<JsonNode> it = problem.path("errors").values().iterator(); it.hasNext(); ) {
            err.println(it.next().asString());
        }
        err.flush();
        return switch (response.statusCode()) {
            case 400, 401, 403, 413 -> ExitCode.INVALID_INPUT.code();
            default -> ExitCode.ABORTED.code();
        };
    }

    /** Prints the run's lines as they come (Server-Sent Events) until its end, or until the stream drops. */
    private static void follow(HttpClient http, String token, URI events, PrintWriter out, PrintWriter err) {
        try {
            var lines = http.send(
                            HttpRequest.newBuilder(events)
                                    .header("Authorization", "Bearer " + token)
                                    .header("Accept", "text/event-stream")
                                    .GET()
                                    .build(),
                            HttpResponse.BodyHandlers.ofLines())
                    .body();
            String event = "";
            for (Iterator<String> it = lines.iterator(); it.hasNext(); ) {
                String line = it.next();
                if (line.startsWith("event: ")) {
                    event = line.substring(7);
                } else if (line.startsWith("data: ")) {
                    String data = line.substring(6);
                    switch (event) {
                        case "line" -> out.println(data);
                        case "warning" -> err.println(data);
                        case "end" -> {
                            out.flush();
                            err.flush();
                            return;
                        }
                        default -> {}
                    }
                    out.flush();
                    err.flush();
                }
            }
        } catch (java.io.IOException e) {
            err.println("aftershock: lost the run's stream (" + e.getMessage() + "); waiting for its verdict");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * The run's record once it has ended, asked again while the agent still shows it running; an
     * agent that stops answering for a minute (gone, or the token expired) ends the wait.
     */
    private static JsonNode verdict(HttpClient http, String token, URI run) throws InterruptedException {
        int failures = 0;
        while (true) {
            try {
                HttpResponse<String> response = http.send(
                        HttpRequest.newBuilder(run)
                                .timeout(Duration.ofSeconds(30))
                                .header("Authorization", "Bearer " + token)
                                .GET()
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200) {
                    failures = 0;
                    JsonNode record = JSON.readTree(response.body());
                    if (!record.path("state").asString("").equals("running")) {
                        return record;
                    }
                } else {
                    failures++;
                }
            } catch (java.io.IOException | RuntimeException e) {
                failures++;
            }
            if (failures >= 60) {
                return JSON.createObjectNode()
                        .put("outcome", "unknown: the agent stopped answering")
                        .put("exitCode", 3);
            }
            Thread.sleep(1000);
        }
    }
}
