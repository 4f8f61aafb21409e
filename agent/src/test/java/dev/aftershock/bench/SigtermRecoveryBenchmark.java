package dev.aftershock.bench;

import com.sun.net.httpserver.HttpServer;
import dev.aftershock.kube.ClusterAccess;
import dev.aftershock.kube.KubeClients;
import dev.aftershock.validation.RepositoryPaths;
import io.kubernetes.client.custom.V1Patch;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.apis.AppsV1Api;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1Deployment;
import io.kubernetes.client.openapi.models.V1Namespace;
import io.kubernetes.client.openapi.models.V1Node;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.util.PatchUtils;
import io.kubernetes.client.util.Yaml;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Recovery after SIGTERM (Engine II): a run holds N kwok nodes cordoned while its load (to a slow
 * loopback server: requests in flight) is still going; SIGTERM; the time until every node is
 * schedulable again. Target: under 5 s with 20 nodes. Baseline, side by side: the same N uncordons
 * made one after another by bare client-java patches.
 * Run: scripts/bench sigterm [nodes]
 */
public final class SigtermRecoveryBenchmark {
    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        Path kubeconfig = Path.of(System.getenv("KUBECONFIG"));
        ApiClient client = KubeClients.forCalls(new ClusterAccess.Kubeconfig(kubeconfig));
        CoreV1Api core = new CoreV1Api(client);
        String ns = "bench-sigterm-" + Long.toHexString(System.nanoTime() & 0xfffff);
        core.createNamespace(new V1Namespace().metadata(new V1ObjectMeta().name(ns)))
                .execute();
        new AppsV1Api(client)
                .createNamespacedDeployment(ns, Yaml.loadAs("""
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: bench}
                spec:
                  replicas: 1
                  selector: {matchLabels: {app: bench}}
                  template:
                    metadata: {labels: {app: bench}}
                    spec:
                      nodeSelector: {type: kwok, pool: general}
                      containers: [{name: app, image: aftershock.test/simulated:1}]
                """, V1Deployment.class))
                .execute();
        while (true) {
            var status = new AppsV1Api(client)
                    .readNamespacedDeployment("bench", ns)
                    .execute()
                    .getStatus();
            if (status != null && status.getAvailableReplicas() != null && status.getAvailableReplicas() == 1) {
                break;
            }
            Thread.sleep(200);
        }
        List<String> nodes = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String name = ns + "-" + i;
            core.createNode(new V1Node()
                            .metadata(new V1ObjectMeta()
                                    .name(name)
                                    .labels(Map.of("bench", ns))
                                    .annotations(Map.of("kwok.x-k8s.io/node", "fake"))))
                    .execute();
            nodes.add(name);
        }
        // A slow server: the load still has requests in flight when the signal comes.
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", exchange -> {
            try {
                Thread.sleep(800);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        server.start();
        Path work = Files.createTempDirectory("aftershock-bench-sigterm");
        Path experiment = Files.writeString(work.resolve("sigterm.yaml"), """
                apiVersion: aftershock.dev/v1alpha1
                kind: Experiment
                metadata: {name: bench-sigterm}
                spec:
                  duration: 5m
                  target: {namespace: %s, workload: deployment/bench}
                  load:
                    url: http://127.0.0.1:%d/
                    timeout: 5s
                    arrivals: [{hold: {rate: 50, for: 4m}}]
                  faults:
                    - {name: cordon, at: 1s, action: node-cordon, nodes: {selector: {bench: %s}, pick: all}}
                """.formatted(
                        ns, server.getAddress().getPort(), ns));
        Path jar = RepositoryPaths.root().resolve("agent/target/aftershock-agent.jar");
        Process cli = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "--enable-native-access=ALL-UNNAMED",
                        "-jar",
                        jar.toString(),
                        "run",
                        experiment.toString(),
                        "--kubeconfig",
                        kubeconfig.toString(),
                        "--state-dir",
                        work.resolve("state").toString(),
                        "--out",
                        work.resolve("out").toString())
                .redirectErrorStream(true)
                .redirectOutput(work.resolve("run.log").toFile())
                .start();
        while (cordoned(core, ns) < n) {
            Thread.sleep(100);
        }
        Thread.sleep(3_000);
        long signalled = System.nanoTime();
        cli.destroy();
        while (cordoned(core, ns) > 0) {
            Thread.sleep(20);
        }
        double ours = (System.nanoTime() - signalled) / 1e6;
        cli.waitFor(120, TimeUnit.SECONDS);
        double exited = (System.nanoTime() - signalled) / 1e6;

        for (String node : nodes) {
            patch(client, core, node, "{\"spec\":{\"unschedulable\":true}}");
        }
        long bareStart = System.nanoTime();
        for (String node : nodes) {
            patch(client, core, node, "{\"spec\":{\"unschedulable\":null}}");
        }
        double bare = (System.nanoTime() - bareStart) / 1e6;

        for (String node : nodes) {
            core.deleteNode(node).execute();
        }
        core.deleteNamespace(ns).execute();
        server.stop(0);
        System.out.printf(Locale.ROOT, "SIGTERM with %d cordoned nodes and the load still running%n", n);
        System.out.printf(Locale.ROOT, "every node schedulable again after %.0f ms (target under 5000 ms)%n", ours);
        System.out.printf(Locale.ROOT, "process exited after %.0f ms (load stopped, journal written)%n", exited);
        System.out.printf(
                Locale.ROOT,
                "baseline, %d bare uncordons one after another: %.0f ms; ratio %.2f%n",
                n,
                bare,
                ours / bare);
    }

    private static long cordoned(CoreV1Api core, String ns) throws Exception {
        return core.listNode().labelSelector("bench=" + ns).execute().getItems().stream()
                .filter(node -> node.getSpec() != null
                        && Boolean.TRUE.equals(node.getSpec().getUnschedulable()))
                .count();
    }

    private static void patch(ApiClient client, CoreV1Api core, String node, String body) throws Exception {
        PatchUtils.patch(
                V1Node.class,
                () -> core.patchNode(node, new V1Patch(body)).buildCall(null),
                V1Patch.PATCH_FORMAT_JSON_MERGE_PATCH,
                client);
    }
}
