package dev.aftershock.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.aftershock.kube.Leadership;
import dev.aftershock.testbed.LoopbackPorts;
import dev.aftershock.testbed.TestCluster;
import dev.aftershock.testbed.TestbedExtension;
import dev.aftershock.validation.RepositoryPaths;
import io.kubernetes.client.openapi.apis.CoordinationV1Api;
import io.kubernetes.client.openapi.models.V1Namespace;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * `serve --leader-election` as two agent processes: one leads, the other stands by (ready, turning
 * runs away); the leader stopped with SIGTERM lets the Lease go, so the other leads at once rather than
 * after the Lease's 15 s; a leader whose Lease is taken from it exits (3).
 */
@ExtendWith(TestbedExtension.class)
class LeadershipIT {
    private final TestCluster cluster;
    private final HttpClient http = HttpClient.newHttpClient();

    LeadershipIT(TestCluster cluster) {
        this.cluster = cluster;
    }

    private record Agent(Process process, int port, Path logFile) {
        String log() throws Exception {
            return Files.readString(logFile);
        }
    }

    @Test
    void oneLeadsTheOtherStandsByAndTakesOverAtOnceOnAnOrderlyStop(@TempDir Path dir) throws Exception {
        String ns = cluster.namespace() + "-lead";
        cluster.core()
                .createNamespace(new V1Namespace().metadata(new V1ObjectMeta().name(ns)))
                .execute();
        Agent first = null;
        Agent second = null;
        try {
            first = start(dir, "first", ns);
            Agent a = first;
            await().atMost(Duration.ofSeconds(60)).until(() -> readyz(a).equals("ok\n"));
            assertThat(a.log()).contains(" leads");

            second = start(dir, "second", ns);
            Agent b = second;
            await().atMost(Duration.ofSeconds(60)).until(() -> readyz(b).startsWith("standing by: "));
            HttpResponse<String> turnedAway = http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + b.port() + "/api/v1/runs"))
                            .header("Authorization", "Bearer some-token")
                            .POST(HttpRequest.BodyPublishers.ofString("x"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            // The caller is reviewed first (a made-up token is 401); the standby answer is AgentApiTest's.
            assertThat(turnedAway.statusCode()).isIn(401, 503);

            // SIGTERM: the leader lets go, and the other leads well within the Lease's 15 s.
            Instant stopped = Instant.now();
            a.process().destroy();
            assertThat(a.process().waitFor(60, TimeUnit.SECONDS)).isTrue();
            await().atMost(Duration.ofSeconds(30)).until(() -> readyz(b).equals("ok\n"));
            assertThat(Duration.between(stopped, Instant.now())).isLessThan(Leadership.LEASE_DURATION);

            // The Lease taken from it (as when it could not renew in time): it stops and exits 3.
            var leases = new CoordinationV1Api(cluster.client());
            var lease = leases.readNamespacedLease(Leadership.LEASE, ns).execute();
            lease.getSpec().holderIdentity("intruder").renewTime(OffsetDateTime.now(ZoneOffset.UTC));
            leases.replaceNamespacedLease(Leadership.LEASE, ns, lease).execute();
            assertThat(b.process().waitFor(60, TimeUnit.SECONDS)).as(b.log()).isTrue();
            assertThat(b.process().exitValue()).isEqualTo(3);
            assertThat(b.log())
                    .contains(
                            "no longer holds the leader Lease (intruder holds it now); stopping its runs and exiting");
        } finally {
            for (Agent agent : new Agent[] {first, second}) {
                if (agent != null) {
                    agent.process().destroyForcibly();
                }
            }
            cluster.core().deleteNamespace(ns).execute();
        }
    }

    /**
     * A run recorded as running whose run lock is still renewed is alive (a former leader stopping
     * it): the new leader waits for it and never marks it interrupted under it; once its lock is let
     * go, the leader marks it, recovers and takes runs.
     */
    @Test
    void aLeaderWaitsForARunStillRenewingItsLockBeforeMarkingIt(@TempDir Path dir) throws Exception {
        String ns = cluster.namespace() + "-heir";
        cluster.core()
                .createNamespace(new V1Namespace().metadata(new V1ObjectMeta().name(ns)))
                .execute();
        Agent heir = null;
        String id = "still-stopping-20261129-0000";
        var records = new dev.aftershock.api.RunRecords(
                dir.resolve("records"), new dev.aftershock.kube.ConfigMapRunRecords(cluster.client(), ns));
        records.save(new dev.aftershock.api.RunRecord(
                id, "still-stopping", ns + "/deployment/x", "running", null, null, Instant.now(), null, null));
        try (var lock = dev.aftershock.kube.RunLease.acquire(cluster.client(), ns, id, Duration.ZERO)) {
            heir = start(dir, "heir", ns);
            Agent a = heir;
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> a.log().contains("run " + id + " still renews its run lock; waiting"));
            // Well past the lock's 15 s had it not been renewed: still running, and the heir not ready.
            Thread.sleep(dev.aftershock.kube.RunLease.DURATION.plusSeconds(3).toMillis());
            assertThat(records.find(id).orElseThrow().state()).isEqualTo("running");
            assertThat(readyz(a)).doesNotStartWith("ok");
        }
        Agent a = heir;
        await().atMost(Duration.ofSeconds(60)).until(() -> readyz(a).equals("ok\n"));
        assertThat(records.find(id).orElseThrow().state()).isEqualTo("interrupted");
        heir.process().destroy();
        heir.process().waitFor(60, TimeUnit.SECONDS);
        cluster.core().deleteNamespace(ns).execute();
    }

    private Agent start(Path dir, String name, String ns) throws Exception {
        int port = LoopbackPorts.free();
        Path log = dir.resolve(name + ".log");
        Path jar = RepositoryPaths.root().resolve("agent/target/aftershock-agent.jar");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process process = new ProcessBuilder(
                        java,
                        "--enable-native-access=ALL-UNNAMED",
                        "-jar",
                        jar.toString(),
                        "serve",
                        "--leader-election",
                        "--host=127.0.0.1",
                        "--port=" + port,
                        "--namespace=" + ns,
                        "--data-dir=" + dir.resolve(name),
                        "--kubeconfig=" + cluster.kubeconfig())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        return new Agent(process, port, log);
    }

    private String readyz(Agent agent) {
        try {
            return http.send(
                            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + agent.port() + "/readyz"))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString())
                    .body();
        } catch (Exception e) {
            return "";
        }
    }
}
