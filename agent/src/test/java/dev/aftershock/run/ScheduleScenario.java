package dev.aftershock.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.aftershock.testbed.InstalledAgent;
import dev.aftershock.testbed.TestCluster;
import io.kubernetes.client.openapi.apis.AppsV1Api;
import io.kubernetes.client.openapi.models.CoreV1Event;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;

/**
 * Schedules in the agent the chart installs, on real minutes: a schedule every minute starts a run
 * each minute, and with Forbid a start while its last run (longer than a minute) goes on is recorded
 * as forbidden; with the agent down across a scheduled time and back within startingDeadline, that
 * time runs once, late; back after the deadline, it is recorded as missed. Run records and Events
 * tell it, and every scheduled time has at most one record.
 */
final class ScheduleScenario {
    private static final String RELEASE = "sched";
    private final TestCluster cluster;
    private final HttpClient http = HttpClient.newHttpClient();

    ScheduleScenario(TestCluster cluster) {
        this.cluster = cluster;
    }

    /** Its target, deployed once before the scenario plays. */
    static void deployVictim(TestCluster cluster) throws Exception {
        Manifests.deploy(cluster, KwokApps.preferringNode("ticked", 2, "kwok-node-1", 2, true), 2);
    }

    private String experiment(String name, String duration) {
        return """
                apiVersion: aftershock.dev/v1alpha1
                kind: Experiment
                metadata: {name: %s}
                spec:
                  duration: %s
                  target: {namespace: %s, workload: deployment/ticked}
                  faults:
                    - {name: kill, at: 1s, action: pod-kill, pods: {selector: {app: ticked}, pick: 1}}
                  safety: {maxUnavailable: 1}
                """.formatted(name, duration, cluster.namespace());
    }

    private static String schedule(String name, String experiment, String deadline, boolean suspend) {
        return """
                apiVersion: aftershock.dev/v1alpha1
                kind: Schedule
                metadata: {name: %s}
                spec:
                  experiment: %s
                  cron: "*/1 * * * *"
                  concurrencyPolicy: Forbid
                  startingDeadline: %s
                  suspend: %s
                """.formatted(name, experiment, deadline, suspend);
    }

    /** Plays the scenario, with its files in {@code files} (created here). */
    void run(Path files) throws Exception {
        Files.createDirectories(files);
        String ns = cluster.namespace() + "-sched";
        Files.writeString(files.resolve("slow.yaml"), experiment("slow", "75s"));
        Files.writeString(files.resolve("quick.yaml"), experiment("quick", "10s"));
        Files.writeString(files.resolve("slow-s.yaml"), schedule("every-minute", "slow.yaml", "30s", false));
        Files.writeString(files.resolve("late-s.yaml"), schedule("late-ok", "quick.yaml", "5m", true));
        Files.writeString(files.resolve("strict-s.yaml"), schedule("strict", "quick.yaml", "10s", true));
        try {
            String agent = InstalledAgent.install(
                    cluster,
                    RELEASE,
                    ns,
                    List.of(
                            "--set-file", "experiments.slow\\.yaml=" + files.resolve("slow.yaml"),
                            "--set-file", "experiments.quick\\.yaml=" + files.resolve("quick.yaml"),
                            "--set-file", "schedules.slow\\.yaml=" + files.resolve("slow-s.yaml"),
                            "--set-file", "schedules.late\\.yaml=" + files.resolve("late-s.yaml"),
                            "--set-file", "schedules.strict\\.yaml=" + files.resolve("strict-s.yaml")));
            String token = InstalledAgent.caller(cluster, ns, "ops", List.of("create", "get", "list"));
            grantSchedules(ns);

            // 1. Every minute, a run; the next start while it (75 s) goes on is forbidden.
            await().atMost(Duration.ofSeconds(90))
                    .until(() -> records(ns, "every-minute").values().stream()
                            .anyMatch(r -> r.contains("\"state\":\"running\"")));
            await().atMost(Duration.ofSeconds(75))
                    .until(() -> records(ns, "every-minute").values().stream()
                            .anyMatch(r -> r.contains("\"outcome\":\"forbidden\"")));
            // The record is written before its Event, so the Event may come a moment later.
            await().atMost(Duration.ofSeconds(10))
                    .untilAsserted(() ->
                            assertThat(reasons(ns, "every-minute")).contains("ScheduleSpawned", "ScheduleForbidden"));

            // 2. The agent down across a scheduled time and back 20 s later: for the schedule whose
            // deadline is 5 minutes that time runs once, late; for the one whose deadline is 10 s it
            // is recorded as missed, not run. One outage shows both.
            post(agent, "/api/v1/schedules/every-minute/suspend", token);
            await().atMost(Duration.ofSeconds(90))
                    .until(() -> records(ns, "every-minute").values().stream()
                            .noneMatch(r -> r.contains("\"state\":\"running\"")));
            post(agent, "/api/v1/schedules/late-ok/resume", token);
            post(agent, "/api/v1/schedules/strict/resume", token);
            Instant missedAt = downAcrossAMinute(ns);
            String late = "late-ok-" + minute(missedAt);
            String strict = "strict-" + minute(missedAt);
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> records(ns, "late-ok").containsKey(late)
                            && records(ns, "strict").containsKey(strict));
            assertThat(records(ns, "late-ok").get(late)).doesNotContain("\"state\":\"skipped\"");
            assertThat(records(ns, "strict").get(strict)).contains("\"outcome\":\"missed\"");
            await().atMost(Duration.ofSeconds(10))
                    .untilAsserted(() -> assertThat(reasons(ns, "strict")).contains("ScheduleMissed"));
            post(agent, "/api/v1/schedules/late-ok/suspend", token);
            post(agent, "/api/v1/schedules/strict/suspend", token);

            HttpResponse<String> listed = http.send(
                    HttpRequest.newBuilder(URI.create(agent + "/api/v1/schedules"))
                            .header("Authorization", "Bearer " + token)
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(listed.statusCode()).as(listed.body()).isEqualTo(200);
            assertThat(listed.body()).contains("\"name\":\"every-minute\"").contains("\"suspended\":true");
        } finally {
            InstalledAgent.uninstall(cluster, RELEASE, ns);
        }
    }

    private Map<String, String> records(String ns, String schedule) throws Exception {
        return ScheduledRuns.of(cluster, ns, schedule);
    }

    private List<String> reasons(String ns, String schedule) throws Exception {
        return cluster.core().listNamespacedEvent(ns).execute().getItems().stream()
                .filter(e -> e.getInvolvedObject().getName().equals("aftershock-schedule-" + schedule))
                .map(CoreV1Event::getReason)
                .toList();
    }

    /**
     * Stops the agent (its Deployment scaled to 0) until 20 s past the next minute, then starts it
     * again and waits until it is ready; returns the scheduled time it was down across.
     */
    private Instant downAcrossAMinute(String ns) throws Exception {
        scale(ns, 0);
        await().atMost(Duration.ofMinutes(2))
                .until(() -> InstalledAgent.pods(cluster, RELEASE, ns).isEmpty());
        Instant next = Instant.now().truncatedTo(ChronoUnit.MINUTES).plus(1, ChronoUnit.MINUTES);
        Thread.sleep(Math.max(
                0, Duration.between(Instant.now(), next.plusSeconds(20)).toMillis()));
        scale(ns, 1);
        await().atMost(Duration.ofMinutes(2)).until(() -> {
            var d = new AppsV1Api(cluster.client())
                    .readNamespacedDeployment(RELEASE + "-aftershock", ns)
                    .execute();
            return d.getStatus().getReadyReplicas() != null && d.getStatus().getReadyReplicas() == 1;
        });
        return next;
    }

    private void scale(String ns, int replicas) throws Exception {
        AppsV1Api apps = new AppsV1Api(cluster.client());
        var scale =
                apps.readNamespacedDeploymentScale(RELEASE + "-aftershock", ns).execute();
        scale.getSpec().setReplicas(replicas);
        apps.replaceNamespacedDeploymentScale(RELEASE + "-aftershock", ns, scale)
                .execute();
    }

    private static String minute(Instant t) {
        return ScheduledRuns.minute(t);
    }

    private void post(String agent, String path, String token) throws Exception {
        HttpResponse<String> r = http.send(
                HttpRequest.newBuilder(URI.create(agent + path))
                        .header("Authorization", "Bearer " + token)
                        .POST(HttpRequest.BodyPublishers.noBody())
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(200);
    }

    /** The ops caller may also suspend and resume schedules. */
    private void grantSchedules(String ns) throws Exception {
        var rbac = new io.kubernetes.client.openapi.apis.RbacAuthorizationV1Api(cluster.client());
        var role = rbac.readNamespacedRole("ops", ns).execute();
        role.getRules()
                .add(new io.kubernetes.client.openapi.models.V1PolicyRule()
                        .apiGroups(List.of("aftershock.dev"))
                        .resources(List.of("schedules"))
                        .verbs(List.of("list", "update")));
        rbac.replaceNamespacedRole("ops", ns, role).execute();
    }
}
