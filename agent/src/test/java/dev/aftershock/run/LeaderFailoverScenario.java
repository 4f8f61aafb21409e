package dev.aftershock.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.aftershock.kube.Leadership;
import dev.aftershock.testbed.InstalledAgent;
import dev.aftershock.testbed.TargetApps;
import dev.aftershock.testbed.TestCluster;
import io.kubernetes.client.openapi.apis.CoordinationV1Api;
import io.kubernetes.client.openapi.models.CoreV1Event;
import io.kubernetes.client.openapi.models.V1Pod;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Two agent replicas from the chart: one leads (holds the Lease, is the Service's only pod) and
 * schedules. Killed during a quiet minute (its JVM, then its pod, so it cannot let go of the Lease),
 * the other leads within the Lease's duration and spawns the next scheduled run; over the minutes
 * watched every scheduled time has exactly one run, spawned once.
 */
final class LeaderFailoverScenario {
    private static final String RELEASE = "ha";
    private final TestCluster cluster;

    LeaderFailoverScenario(TestCluster cluster) {
        this.cluster = cluster;
    }

    /** Its target, deployed once before the scenario plays. */
    static void deployVictim(TestCluster cluster) throws Exception {
        Manifests.deploy(cluster, KwokApps.preferringNode("led", 2, "kwok-node-1", 2, true), 2);
    }

    /** Plays the scenario, with its files in {@code files} (created here). */
    void run(Path files) throws Exception {
        Files.createDirectories(files);
        String ns = cluster.namespace() + "-ha";
        Files.writeString(files.resolve("quick.yaml"), """
                apiVersion: aftershock.dev/v1alpha1
                kind: Experiment
                metadata: {name: quick}
                spec:
                  duration: 10s
                  target: {namespace: %s, workload: deployment/led}
                  faults:
                    - {name: kill, at: 1s, action: pod-kill, pods: {selector: {app: led}, pick: 1}}
                  safety: {maxUnavailable: 1}
                """.formatted(cluster.namespace()));
        Files.writeString(files.resolve("every-minute.yaml"), """
                apiVersion: aftershock.dev/v1alpha1
                kind: Schedule
                metadata: {name: every-minute}
                spec:
                  experiment: quick.yaml
                  cron: "*/1 * * * *"
                  startingDeadline: 30s
                """);
        try {
            InstalledAgent.install(
                    cluster,
                    RELEASE,
                    ns,
                    List.of(
                            "--set-file", "experiments.quick\\.yaml=" + files.resolve("quick.yaml"),
                            "--set-file", "schedules.every-minute\\.yaml=" + files.resolve("every-minute.yaml")),
                    "replicas=2");
            // Both ready (helm --wait), one of them leading and alone in the Service.
            String leader = await().atMost(Duration.ofSeconds(30)).until(() -> holder(ns), h -> h != null);
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> agentPods(ns).stream()
                            .filter(p ->
                                    "true".equals(p.getMetadata().getLabels().get(Leadership.LABEL)))
                            .map(p -> p.getMetadata().getName())
                            .toList()
                            .equals(List.of(leader)));
            assertThat(agentPods(ns))
                    .hasSize(2)
                    .allSatisfy(p -> assertThat(TargetApps.isReady(p)).isTrue());

            // The leader's first scheduled run, then its death in the quiet part of a minute.
            await().atMost(Duration.ofSeconds(100))
                    .until(() -> records(ns).values().stream().anyMatch(r -> r.contains("\"state\":\"finished\"")));
            sleepUntilSecond(30);
            Instant killed = Instant.now();
            killAgent(ns, leader);

            String next = "every-minute-"
                    + minute(killed.truncatedTo(ChronoUnit.MINUTES).plus(1, ChronoUnit.MINUTES));
            await().atMost(Duration.ofSeconds(60)).until(() -> records(ns).containsKey(next));
            String successor = holder(ns);
            assertThat(successor)
                    .as("the Lease after the leader died")
                    .isNotNull()
                    .isNotEqualTo(leader);
            // 15 s of Lease counted from when the standby last saw it change, polled every 2 to 4.4 s.
            Instant acquired = new CoordinationV1Api(cluster.client())
                    .readNamespacedLease(Leadership.LEASE, ns)
                    .execute()
                    .getSpec()
                    .getAcquireTime()
                    .toInstant();
            System.out.printf(
                    "leader failover: %s led %d ms after %s was killed%n",
                    successor, Duration.between(killed, acquired).toMillis(), leader);
            assertThat(Duration.between(killed, acquired)).isLessThanOrEqualTo(Duration.ofSeconds(27));
            // One more minute under the new leader, with the replaced pod standing by (Ready before
            // that minute, or the minute proves nothing): that minute too runs once.
            Instant watchedUntil = killed.truncatedTo(ChronoUnit.MINUTES).plus(2, ChronoUnit.MINUTES);
            await().alias("both replicas Ready before the minute the replaced one stands by for")
                    .atMost(Duration.between(Instant.now(), watchedUntil).minusSeconds(2))
                    .until(() -> {
                        List<V1Pod> pods = agentPods(ns);
                        return pods.size() == 2 && pods.stream().allMatch(TargetApps::isReady);
                    });
            String last = "every-minute-" + minute(watchedUntil);
            await().atMost(Duration.between(Instant.now(), watchedUntil.plusSeconds(60)))
                    .until(() -> records(ns).containsKey(last));
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> records(ns).values().stream().noneMatch(r -> r.contains("\"state\":\"running\"")));

            Map<String, String> runs = new TreeMap<>(records(ns));
            List<String> expected = new ArrayList<>();
            Instant first = ScheduledRuns.scheduledAt(runs.keySet().iterator().next(), "every-minute");
            for (Instant t = first; t.isBefore(watchedUntil.plusSeconds(1)); t = t.plus(1, ChronoUnit.MINUTES)) {
                expected.add("every-minute-" + minute(t));
            }
            assertThat(runs.keySet())
                    .as("one run per scheduled minute, none skipped")
                    .containsExactlyElementsOf(expected);
            assertThat(runs.values()).allSatisfy(r -> assertThat(r).contains("\"state\":\"finished\""));
            List<String> spawned = cluster.core().listNamespacedEvent(ns).execute().getItems().stream()
                    .filter(e -> "ScheduleSpawned".equals(e.getReason()))
                    .map(CoreV1Event::getMessage)
                    .toList();
            assertThat(spawned).as("each scheduled time spawned once").doesNotHaveDuplicates();
            assertThat(spawned.size()).isEqualTo(expected.size());
            assertThat(agentPods(ns)).hasSize(2);
        } finally {
            InstalledAgent.uninstall(cluster, RELEASE, ns);
        }
    }

    private String holder(String ns) {
        try {
            var spec = new CoordinationV1Api(cluster.client())
                    .readNamespacedLease(Leadership.LEASE, ns)
                    .execute()
                    .getSpec();
            return spec == null ? null : spec.getHolderIdentity();
        } catch (Exception e) {
            return null;
        }
    }

    private List<V1Pod> agentPods(String ns) throws Exception {
        return InstalledAgent.pods(cluster, RELEASE, ns).stream()
                .filter(p -> p.getMetadata().getDeletionTimestamp() == null)
                .toList();
    }

    /**
     * A death with no chance to let go of the Lease: the leader's JVM (a process of this machine, as
     * the real nodes' containers are) is killed, then its pod deleted with grace period 0.
     */
    private void killAgent(String ns, String pod) throws Exception {
        List<ProcessHandle> agents = ProcessHandle.allProcesses()
                .filter(p -> p.info().commandLine().orElse("").contains("aftershock-agent.jar serve"))
                .filter(p -> environment(p.pid()).contains("POD_NAME=" + pod + "\0"))
                .toList();
        assertThat(agents).as("the JVM of " + pod).hasSize(1);
        agents.get(0).destroyForcibly();
        cluster.core().deleteNamespacedPod(pod, ns).gracePeriodSeconds(0).execute();
    }

    private static String environment(long pid) {
        try {
            return Files.readString(Path.of("/proc/" + pid + "/environ"), java.nio.charset.StandardCharsets.ISO_8859_1);
        } catch (Exception e) {
            return "";
        }
    }

    private Map<String, String> records(String ns) throws Exception {
        return ScheduledRuns.of(cluster, ns, "every-minute");
    }

    private static void sleepUntilSecond(int second) throws InterruptedException {
        Instant now = Instant.now();
        Instant target = now.truncatedTo(ChronoUnit.MINUTES).plusSeconds(second);
        if (!target.isAfter(now)) {
            target = target.plus(1, ChronoUnit.MINUTES);
        }
        Thread.sleep(Duration.between(now, target).toMillis());
    }

    private static String minute(Instant t) {
        return ScheduledRuns.minute(t);
    }
}
