package dev.aftershock.testbed;

import static dev.aftershock.testbed.TargetApps.nodeIp;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.aftershock.testbed.TargetApps.Answer;
import dev.aftershock.testbed.TargetApps.Template;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.models.V1ContainerStatus;
import io.kubernetes.client.openapi.models.V1Pod;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** What only real kubelet nodes show: probes, Services through kube-proxy, SIGTERM, OOM kills, egress. */
@ExtendWith(TestbedExtension.class)
class RealNodesIT {
    private static final Duration START = Duration.ofSeconds(90);
    private static final String MACHINE_ON_BRIDGE = TargetApps.MACHINE_ON_BRIDGE;

    @Test
    void targetBecomesReadyOnBothRealNodesAndItsNodePortAnswersOnEachNode(TestCluster cluster) throws ApiException {
        TargetApps.createAndAwaitReady(
                cluster, TargetApps.deployment(Template.of("web").spreadOverNodes(), 2), START);
        var nodes =
                cluster
                        .core()
                        .listNamespacedPod(cluster.namespace())
                        .labelSelector("app=web")
                        .execute()
                        .getItems()
                        .stream()
                        .map(p -> p.getSpec().getNodeName())
                        .sorted()
                        .toList();
        assertThat(nodes).containsExactlyElementsOf(TargetApps.REAL_NODES);

        cluster.core()
                .createNamespacedService(cluster.namespace(), TargetApps.nodePort("web", 30081, "Cluster"))
                .execute();
        for (String node : TargetApps.REAL_NODES) {
            String url = "http://" + nodeIp(node) + ":30081/";
            await().atMost(Duration.ofSeconds(30)).until(() -> get(url).status() == 200);
        }
    }

    @Test
    void externalTrafficPolicyLocalKeepsTheClientAddressAndServesOnlyWhereAPodIsReady(TestCluster cluster)
            throws ApiException {
        TargetApps.createAndAwaitReady(
                cluster, TargetApps.deployment(Template.of("solo").onNode("real-node-1"), 1), START);
        cluster.core()
                .createNamespacedService(cluster.namespace(), TargetApps.nodePort("solo", 30082, "Local"))
                .execute();
        String viaPodsNode = "http://" + nodeIp("real-node-1") + ":30082/";
        String viaOtherNode = "http://" + nodeIp("real-node-2") + ":30082/";

        await().atMost(Duration.ofSeconds(30)).until(() -> get(viaPodsNode).status() == 200);
        Answer local = get(viaPodsNode);
        assertThat(local.node()).isEqualTo("real-node-1");
        assertThat(local.clientIp()).as("Local keeps the client's address").isEqualTo(MACHINE_ON_BRIDGE);
        Answer elsewhere = get(viaOtherNode);
        assertThat(elsewhere.answered())
                .as("the node without a ready pod does not serve a Local NodePort: %s", elsewhere)
                .isFalse();

        TargetApps.patchService(cluster, "solo", "{\"spec\":{\"externalTrafficPolicy\":\"Cluster\"}}");
        await().atMost(Duration.ofSeconds(30)).until(() -> get(viaOtherNode).status() == 200);
        Answer forwarded = get(viaOtherNode);
        assertThat(forwarded.node()).isEqualTo("real-node-1");
        assertThat(forwarded.clientIp())
                .as("Cluster forwards from the other node and rewrites the source to that node")
                .isEqualTo(nodeIp("real-node-2"));
        // Each node's kube-proxy applies the change on its own schedule.
        await().atMost(Duration.ofSeconds(30))
                .alias("Cluster rewrites the source on the pod's own node too")
                .until(() -> {
                    Answer a = get(viaPodsNode);
                    return a.status() == 200 && !a.clientIp().equals(MACHINE_ON_BRIDGE);
                });
    }

    @Test
    void aPodsLogOutlivesTheOtherNodesLogCleanup(TestCluster cluster) throws ApiException {
        // Every minute a kubelet removes the pod log directories of pods it does not know. Both nodes
        // share this machine's file system: each must keep its pods' logs where the other does not look.
        TargetApps.createAndAwaitReady(
                cluster, TargetApps.pod(Template.of("chatty").onNode("real-node-1")), START);
        String started = "aftershock-target listening on 8080";
        await().atMost(Duration.ofSeconds(10))
                .until(() -> podLog(cluster, "chatty").contains(started));

        await().alias("the log stays readable for longer than the other kubelet's cleanup period (1 min)")
                .during(Duration.ofSeconds(65))
                .atMost(Duration.ofSeconds(75))
                .pollInterval(Duration.ofSeconds(5))
                .until(() -> podLog(cluster, "chatty").contains(started));
    }

    private static String podLog(TestCluster cluster, String pod) throws ApiException {
        // An empty log comes back as no body at all.
        return Objects.requireNonNullElse(
                cluster.core().readNamespacedPodLog(pod, cluster.namespace()).execute(), "");
    }

    @Test
    void deletionRunsThePreStopHookThenDeliversSigtermAndTheProcessFinishesInFlightWork(TestCluster cluster)
            throws Exception {
        String events = cluster.namespace() + "-graceful";
        V1Pod pod = TargetApps.createAndAwaitReady(
                cluster,
                TargetApps.pod(Template.of("graceful")
                        .onNode("real-node-2")
                        .grace(10)
                        .preStopSleeping(1500)
                        .eventsIn(events)),
                START);
        Busy busy = deleteWhileBusy(cluster, pod, "/work?sleepMs=3000", Duration.ofSeconds(15));
        long deleted = busy.deletedAt();
        Timed<Answer> finished = busy.answer().get(20, TimeUnit.SECONDS);
        awaitGone(cluster, "graceful", Duration.ofSeconds(30));

        Map<String, Long> at = lifecycle(events, "graceful");
        assertThat(finished.value().status())
                .as("the in-flight request completes")
                .isEqualTo(200);
        assertThat(at).containsKeys("prestop", "prestop-done", "sigterm", "exit");
        assertThat(at.get("prestop") - deleted).as("preStop is called at once").isBetween(0L, 2_000L);
        assertThat(at.get("sigterm") - at.get("prestop"))
                .as("SIGTERM comes after the preStop hook has returned (it sleeps 1.5 s)")
                .isGreaterThanOrEqualTo(1_400L);
        assertThat(at.get("exit"))
                .as("the process exits after its in-flight request is answered")
                .isGreaterThanOrEqualTo(finished.at() - 100);
        assertThat(at.get("exit") - deleted).as("within the 10 s grace period").isLessThan(10_000L);
    }

    @Test
    void aProcessStillBusyAtTheGraceDeadlineIsKilledThen(TestCluster cluster) throws Exception {
        String events = cluster.namespace() + "-stubborn";
        V1Pod pod = TargetApps.createAndAwaitReady(
                cluster,
                TargetApps.pod(Template.of("stubborn")
                        .onNode("real-node-1")
                        .grace(3)
                        .env("DRAIN_TIMEOUT_SECONDS", "60")
                        .eventsIn(events)),
                START);
        Busy busy = deleteWhileBusy(cluster, pod, "/work?sleepMs=10000", Duration.ofSeconds(20));
        long deleted = busy.deletedAt();
        Timed<Answer> cut = busy.answer().get(25, TimeUnit.SECONDS);

        assertThat(cut.value().answered())
                .as("the request dies with the process: %s", cut.value())
                .isFalse();
        assertThat(cut.at() - deleted)
                .as("SIGKILL lands at the 3 s grace deadline")
                .isBetween(2_500L, 6_000L);
        Map<String, Long> at = lifecycle(events, "stubborn");
        assertThat(at).containsKey("sigterm").doesNotContainKey("exit");
    }

    @Test
    void aContainerOverItsMemoryLimitIsOomKilledAndRestarted(TestCluster cluster) throws Exception {
        V1Pod pod = TargetApps.createAndAwaitReady(
                cluster,
                TargetApps.pod(Template.of("greedy")
                        .onNode("real-node-1")
                        .resources("{requests: {cpu: 50m, memory: 64Mi}, limits: {memory: 128Mi}}")),
                START);
        String podUrl = "http://" + pod.getStatus().getPodIP() + ":8080";
        Answer grab = TargetApps.post(podUrl + "/memory?mib=300", Duration.ofSeconds(20));
        assertThat(grab.status()).as("the answer never comes: %s", grab).isNotEqualTo(200);

        await().atMost(Duration.ofSeconds(60)).until(() -> {
            V1ContainerStatus s = containerStatus(cluster, "greedy");
            return s.getRestartCount() >= 1
                    && s.getLastState() != null
                    && s.getLastState().getTerminated() != null;
        });
        V1ContainerStatus status = containerStatus(cluster, "greedy");
        assertThat(status.getLastState().getTerminated().getReason()).isEqualTo("OOMKilled");
        assertThat(status.getRestartCount()).isGreaterThanOrEqualTo(1);
    }

    @Test
    void nothingLeavesTheMachineFromAPod(TestCluster cluster) throws Exception {
        V1Pod pod = TargetApps.createAndAwaitReady(
                cluster, TargetApps.pod(Template.of("prisoner").onNode("real-node-2")), START);
        String podUrl = "http://" + pod.getStatus().getPodIP() + ":8080";
        long droppedBefore = droppedByTestbed();

        // 192.0.2.1 is TEST-NET-1 (RFC 5737): never routed anywhere, so even a broken rule leaks nothing.
        Answer out = TargetApps.get(podUrl + "/egress?host=192.0.2.1&port=80&timeoutMs=1500", Duration.ofSeconds(10));
        assertThat(out.body()).contains("\"connected\":false");
        assertThat(droppedByTestbed())
                .as("the testbed's FORWARD rule dropped it")
                .isGreaterThan(droppedBefore);

        Answer byName =
                TargetApps.get(podUrl + "/egress?host=example.com&port=80&timeoutMs=1500", Duration.ofSeconds(10));
        assertThat(byName.body()).as("pods have no DNS server to ask").contains("\"connected\":false");
    }

    record Timed<T>(T value, long at) {}

    /** A request the pod was serving when it was deleted: its answer (and when it came), and when the deletion was sent. */
    record Busy(CompletableFuture<Timed<Answer>> answer, long deletedAt) {}

    /** Sends {@code path} to the pod, deletes the pod 300 ms later, while the request is in flight. */
    private static Busy deleteWhileBusy(TestCluster cluster, V1Pod pod, String path, Duration timeout)
            throws Exception {
        String url = "http://" + pod.getStatus().getPodIP() + ":8080" + path;
        var answer = CompletableFuture.supplyAsync(
                () -> new Timed<>(TargetApps.get(url, timeout), System.currentTimeMillis()));
        Thread.sleep(300);
        long deleted = System.currentTimeMillis();
        cluster.core()
                .deleteNamespacedPod(pod.getMetadata().getName(), cluster.namespace())
                .execute();
        return new Busy(answer, deleted);
    }

    private static Answer get(String url) {
        return TargetApps.get(url, Duration.ofSeconds(2));
    }

    private static V1ContainerStatus containerStatus(TestCluster cluster, String pod) throws ApiException {
        return cluster.core()
                .readNamespacedPod(pod, cluster.namespace())
                .execute()
                .getStatus()
                .getContainerStatuses()
                .get(0);
    }

    private static void awaitGone(TestCluster cluster, String pod, Duration within) {
        await().atMost(within)
                .pollInterval(Duration.ofMillis(200))
                .until(() -> cluster.core()
                        .listNamespacedPod(cluster.namespace())
                        .fieldSelector("metadata.name=" + pod)
                        .execute()
                        .getItems()
                        .isEmpty());
    }

    /** The first time of each lifecycle event the pod wrote (see the target's LifecycleLog). */
    static Map<String, Long> lifecycle(String dir, String pod) throws IOException {
        Path file = TargetApps.EVENTS_ROOT.resolve(dir).resolve(pod + ".log");
        Map<String, Long> at = new HashMap<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            String[] parts = line.split(" ", 2);
            String event = parts[1].split(" ")[0];
            at.putIfAbsent(event, Long.parseLong(parts[0]));
        }
        return at;
    }

    private static long droppedByTestbed() throws IOException, InterruptedException {
        return Testbed.commandOutput("iptables", "-L", "AFTERSHOCK-TESTBED", "-v", "-x", "-n").stream()
                .map(String::trim)
                .filter(l -> l.contains("DROP"))
                .mapToLong(l -> Long.parseLong(l.split("\\s+")[0]))
                .sum();
    }
}
