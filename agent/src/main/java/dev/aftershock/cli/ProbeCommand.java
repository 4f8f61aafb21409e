package dev.aftershock.cli;

import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * What `helm test` runs in a pod of the release: the agent's API answers through its Service, turns
 * away a caller without a token, lets one that RBAC allows list runs, and refuses it a verb RBAC does
 * not grant. Needs no cluster access of its own beyond its pod's token.
 */
@Command(
        name = "probe",
        mixinStandardHelpOptions = true,
        description = "Checks an agent's API as `helm test` does: ready, 401 without a token, 200 for a caller"
                + " allowed to list runs, 403 for one not allowed to create them.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:every check held", "1:a check failed", "2:bad usage"})
final class ProbeCommand implements Callable<Integer> {
    @Option(
            names = "--agent",
            paramLabel = "URL",
            required = true,
            description = "The agent's API, such as http://aftershock.ns.svc")
    URI agent;

    @Option(
            names = "--token-file",
            paramLabel = "FILE",
            defaultValue = "/var/run/secrets/kubernetes.io/serviceaccount/token",
            description = "The caller's token (default: the pod's service account token).")
    Path tokenFile;

    @Option(names = "--ready-within", paramLabel = "SECONDS", defaultValue = "120")
    int readyWithin;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        HttpClient http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        Instant until = Instant.now().plusSeconds(readyWithin);
        int ready = -1;
        while (Instant.now().isBefore(until)) {
            try {
                ready = http.send(get("/readyz").build(), HttpResponse.BodyHandlers.discarding())
                        .statusCode();
                if (ready == 200) {
                    break;
                }
            } catch (java.io.IOException e) {
                // not reachable yet
            }
            Thread.sleep(1000);
        }
        String token = Files.readString(tokenFile).strip();
        int anonymous = status(http, get("/api/v1/runs"));
        int allowed = status(http, get("/api/v1/runs").header("Authorization", "Bearer " + token));
        int denied = status(
                http,
                HttpRequest.newBuilder(agent.resolve("/api/v1/runs"))
                        .timeout(Duration.ofSeconds(10))
                        .header("Authorization", "Bearer " + token)
                        .POST(HttpRequest.BodyPublishers.ofString("")));
        boolean ok = check(out, "GET /readyz", 200, ready)
                & check(out, "GET /api/v1/runs without a token", 401, anonymous)
                & check(out, "GET /api/v1/runs as a caller allowed to list runs", 200, allowed)
                & check(out, "POST /api/v1/runs as a caller not allowed to create runs", 403, denied);
        out.flush();
        return ok ? 0 : 1;
    }

    private HttpRequest.Builder get(String path) {
        return HttpRequest.newBuilder(agent.resolve(path))
                .timeout(Duration.ofSeconds(10))
                .GET();
    }

    private static int status(HttpClient http, HttpRequest.Builder request) throws InterruptedException {
        try {
            return http.send(request.build(), HttpResponse.BodyHandlers.discarding())
                    .statusCode();
        } catch (java.io.IOException e) {
            return -1;
        }
    }

    private static boolean check(PrintWriter out, String what, int expected, int got) {
        boolean ok = expected == got;
        out.printf("%s %s: %s%n", ok ? "ok  " : "FAIL", what, got < 0 ? "no answer" : "HTTP " + got);
        return ok;
    }
}
