package dev.aftershock.bench;

import dev.aftershock.fault.ClusterOps;
import dev.aftershock.fault.HelperJob;
import dev.aftershock.kube.ClusterAccess;
import dev.aftershock.kube.KubeClients;
import dev.aftershock.kube.NodeHelpers;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1Namespace;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.util.Yaml;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Node helper start to injection effective, over N probe-failure injections on a real node, against
 * a baseline run side by side: the same helper pod on the same node doing no work (an unblock for a
 * pod that does not exist), alternating. The ratio says what the rule itself adds to the kubelet's
 * cost of starting a pod. Also: from asking the helper to revert until the agent has its word.
 * Run: scripts/bench helpers [injections]
 */
public final class HelperBenchmark {
    private static final String NODE = "real-node-1";

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        String image = System.getenv("AFTERSHOCK_HELPER_IMAGE");
        String target = System.getenv("AFTERSHOCK_TARGET_IMAGE");
        ApiClient client = KubeClients.forCalls(new ClusterAccess.Kubeconfig(Path.of(System.getenv("KUBECONFIG"))));
        CoreV1Api core = new CoreV1Api(client);
        String ns = "bench-helpers-" + Long.toHexString(System.nanoTime() & 0xffff);
        core.createNamespace(new V1Namespace().metadata(new V1ObjectMeta().name(ns)))
                .execute();
        try {
            V1Pod pod = Yaml.loadAs("""
                    apiVersion: v1
                    kind: Pod
                    metadata: {name: probed}
                    spec:
                      nodeSelector: {kubernetes.io/hostname: %s}
                      automountServiceAccountToken: false
                      containers:
                      - name: target
                        image: %s
                        imagePullPolicy: Never
                        readinessProbe: {httpGet: {path: /ready, port: 8080}, periodSeconds: 1, failureThreshold: 1}
                    """.formatted(NODE, target), V1Pod.class);
            pod.getSpec().setOverhead(null);
            core.createNamespacedPod(ns, pod).execute();
            String uid = awaitRunning(core, ns, "probed");
            NodeHelpers helpers = new NodeHelpers(
                    client, new NodeHelpers.Settings(java.util.Optional.of(image), java.util.Optional.empty()));
            HelperJob inject = new HelperJob(
                    "bench",
                    "probe",
                    "probe-failure",
                    HelperJob.Mode.INJECT,
                    ns,
                    "probed",
                    uid,
                    NODE,
                    Map.of("AFTERSHOCK_RULE", "http 8080", "AFTERSHOCK_REQUEST_LINE", "GET /ready HTTP/1."),
                    Duration.ofMinutes(2));
            HelperJob idle = new HelperJob(
                            "bench",
                            "idle",
                            "probe-failure",
                            HelperJob.Mode.INJECT,
                            ns,
                            "gone",
                            "00000000-0000-0000-0000-000000000000",
                            NODE,
                            Map.of(),
                            Duration.ofMinutes(2))
                    .unblocking();
            // One of each first: image and code paths warm.
            once(helpers, inject);
            once(helpers, idle);
            List<Double> effective = new ArrayList<>();
            List<Double> baseline = new ArrayList<>();
            List<Double> revert = new ArrayList<>();
            for (int i = 0; i < rounds; i++) {
                double[] injected = once(helpers, inject);
                effective.add(injected[0]);
                revert.add(injected[1]);
                baseline.add(once(helpers, idle)[0]);
            }
            effective.sort(null);
            baseline.sort(null);
            revert.sort(null);
            double p50 = Stats.percentile(effective, 50);
            double p99 = Stats.percentile(effective, 99);
            double b50 = Stats.percentile(baseline, 50);
            double b99 = Stats.percentile(baseline, 99);
            System.out.printf(
                    "helper start to injection effective over %d injections: p50 %.0f ms, p99 %.0f ms;"
                            + " the idle helper pod alongside: p50 %.0f ms, p99 %.0f ms; ratio p50 %.2f, p99 %.2f%n",
                    rounds, p50, p99, b50, b99, p50 / b50, p99 / b99);
            System.out.printf(
                    "asking a helper to revert until its word: p50 %.0f ms, p99 %.0f ms%n",
                    Stats.percentile(revert, 50), Stats.percentile(revert, 99));
        } finally {
            core.deleteNamespace(ns).execute();
        }
    }

    /** Starts a helper, then ends it: [ms to its first step, ms to its revert (inject only)]. */
    private static double[] once(NodeHelpers helpers, HelperJob job) throws Exception {
        Instant asked = Instant.now();
        ClusterOps.HelperStarted started = helpers.start(job, asked.plusSeconds(60));
        if (!started.effective()) {
            throw new IllegalStateException("the helper did not act: " + started.message());
        }
        double toEffective = Duration.between(asked, started.at()).toNanos() / 1e6;
        Instant ending = Instant.now();
        ClusterOps.HelperEnded ended =
                helpers.end(started.namespace(), started.pod(), Instant.now().plusSeconds(60));
        if (job.mode() == HelperJob.Mode.INJECT && !ended.reverted()) {
            throw new IllegalStateException("the helper did not revert: " + ended.message());
        }
        return new double[] {
            toEffective, Duration.between(ending, Instant.now()).toNanos() / 1e6
        };
    }

    private static String awaitRunning(CoreV1Api core, String ns, String name) throws Exception {
        for (int i = 0; i < 600; i++) {
            V1Pod p = core.readNamespacedPod(name, ns).execute();
            if (p.getStatus() != null && "Running".equals(p.getStatus().getPhase())) {
                return p.getMetadata().getUid();
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("the target pod did not start");
    }
}
