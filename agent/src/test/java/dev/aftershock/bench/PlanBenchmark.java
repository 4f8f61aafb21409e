package dev.aftershock.bench;

import dev.aftershock.cli.Main;
import dev.aftershock.kube.ClusterAccess;
import dev.aftershock.kube.KubeClients;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.AppsV1Api;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1Deployment;
import io.kubernetes.client.openapi.models.V1Namespace;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.util.Yaml;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Planning at scale (issue 18): on a testbed of its own with many kwok nodes, a cluster filled with
 * bare pods spread over them and a target Deployment of its own, the time `aftershock run --dry-run`
 * takes to read the cluster and plan a drain of 10 nodes and a pod-kill of 10 % of the target,
 * against a bare `kubectl get pods -A -o name` plus `kubectl get nodes -o name` of the same objects,
 * alternating, after one warm-up each; and the heap the planning JVM holds after it; then the
 * agent's memory in a real run there ({@link #memory}). The pods need
 * only exist (kwok starts them slowly on two cores): planning reads them, running or not.
 *
 * <p>Run: scripts/bench plan [nodes] [pods] [targetReplicas] [rounds] (it starts that testbed).
 */
public final class PlanBenchmark {
    private static final String FILL = "bench-fill";
    private static final String TARGET = "bench-plan";
    private final Path kubeconfig = Path.of(System.getenv("KUBECONFIG"));
    private final ApiClient client = KubeClients.forCalls(new ClusterAccess.Kubeconfig(kubeconfig));
    private final CoreV1Api core = new CoreV1Api(client);
    private final AppsV1Api apps = new AppsV1Api(client);
    private final Path work = Files.createTempDirectory("aftershock-bench-plan");

    private PlanBenchmark() throws java.io.IOException {}

    public static void main(String[] args) throws Exception {
        int nodes = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        int pods = args.length > 1 ? Integer.parseInt(args[1]) : 20_000;
        int replicas = args.length > 2 ? Integer.parseInt(args[2]) : 2000;
        int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 5;
        new PlanBenchmark().run(nodes, pods, replicas, rounds);
        System.exit(0);
    }

    private void run(int nodes, int pods, int replicas, int rounds) throws Exception {
        int fill = Math.max(0, pods - replicas);
        fill(nodes, fill);
        target(replicas);
        Path experiment = Files.writeString(work.resolve("plan.yaml"), """
                apiVersion: aftershock.dev/v1alpha1
                kind: Experiment
                metadata: {name: bench-plan}
                spec:
                  duration: 10m
                  seed: 1
                  target: {namespace: %s, workload: deployment/web}
                  faults:
                    - {name: drain, at: 1m, action: node-drain, nodes: {selector: {type: kwok}, pick: 10}, evictionTimeout: 5m, force: true}
                    - {name: kill, at: 2m, action: pod-kill, pods: {selector: {app: web}, pick: 10%%}, force: true}
                  safety: {maxUnavailable: 100%%, keepSchedulableNodes: 1}
                """.formatted(TARGET));
        long total = count("pods", "-A");
        long nodeCount = count("nodes");
        System.out.printf(
                Locale.ROOT, "cluster: %d nodes, %d pods (%d in the target Deployment)%n", nodeCount, total, replicas);
        plan(experiment);
        kubectlGets();
        java.lang.management.ManagementFactory.getMemoryPoolMXBeans()
                .forEach(java.lang.management.MemoryPoolMXBean::resetPeakUsage);
        double[] ours = new double[rounds];
        double[] bare = new double[rounds];
        for (int i = 0; i < rounds; i++) {
            ours[i] = plan(experiment);
            bare[i] = kubectlGets();
            System.out.printf(
                    Locale.ROOT,
                    "round %d: aftershock run --dry-run (read and plan) %.0f ms; kubectl get pods -A -o name +"
                            + " kubectl get nodes -o name %.0f ms%n",
                    i + 1,
                    ours[i],
                    bare[i]);
        }
        System.gc();
        Runtime rt = Runtime.getRuntime();
        System.out.printf(
                Locale.ROOT,
                "median over %d rounds: planning %.0f ms, kubectl %.0f ms, ratio %.2f (target <= 1.5);"
                        + " heap used after planning and a GC: %d MiB; heap pools' peaks over the rounds, summed: %d MiB%n",
                rounds,
                median(ours),
                median(bare),
                median(ours) / median(bare),
                (rt.totalMemory() - rt.freeMemory()) >> 20,
                java.lang.management.ManagementFactory.getMemoryPoolMXBeans().stream()
                                .filter(p -> p.getType() == java.lang.management.MemoryType.HEAP)
                                .mapToLong(p -> p.getPeakUsage().getUsed())
                                .sum()
                        >> 20);
        memory();
    }

    /**
     * The agent's memory in a real run on that cluster, with the informers a run opens: the agent's
     * own jar in a JVM of at most 256 MiB heap (the target), a minute's run cordoning 10 nodes and
     * killing 1 % of the 18,000 other pods (so it also watches those: a kill's watch of its selector).
     * Not the target's pods: kwok has not started them all, and the availability guard refuses to take
     * more of them down. Reports the heap's peak and what is left after each GC (from the
     * JVM's GC log), the process's peak RSS, and the classes that held the heap mid-run.
     */
    private void memory() throws Exception {
        Path experiment = Files.writeString(work.resolve("memory.yaml"), """
                apiVersion: aftershock.dev/v1alpha1
                kind: Experiment
                metadata: {name: bench-memory}
                spec:
                  duration: 60s
                  seed: 2
                  target: {namespace: %s, workload: deployment/web}
                  faults:
                    - {name: cordon, at: 10s, for: 30s, action: node-cordon, nodes: {selector: {type: kwok}, pick: 10}}
                    - {name: kill, at: 20s, action: pod-kill, pods: {namespace: %s, selector: {app: fill}, pick: 1%%}, force: true}
                  safety: {maxUnavailable: 100%%, keepSchedulableNodes: 1}
                """.formatted(TARGET, FILL));
        Path root = dev.aftershock.validation.RepositoryPaths.root();
        Process build = new ProcessBuilder(root.resolve("scripts/build-agent").toString())
                .inheritIO()
                .start();
        if (build.waitFor() != 0) {
            throw new IllegalStateException("scripts/build-agent failed");
        }
        Path gcLog = work.resolve("gc.log");
        Path out = work.resolve("memory-run");
        Process agent = new ProcessBuilder(
                        ProcessHandle.current().info().command().orElse("java"),
                        "-Xmx256m",
                        "-Xlog:gc:file=" + gcLog,
                        "--enable-native-access=ALL-UNNAMED",
                        "-Daftershock.home=" + root,
                        "-jar",
                        root.resolve("agent/target/aftershock-agent.jar").toString(),
                        "run",
                        experiment.toString(),
                        "--kubeconfig",
                        kubeconfig.toString(),
                        "--state-dir",
                        work.resolve("state").toString(),
                        "--out",
                        out.toString())
                .redirectErrorStream(true)
                .redirectOutput(work.resolve("memory-run.log").toFile())
                .start();
        long peakRss = 0;
        String histogram = "";
        long started = System.nanoTime();
        while (!agent.waitFor(500, TimeUnit.MILLISECONDS)) {
            peakRss = Math.max(peakRss, Stats.procStatusBytes(agent.pid(), "VmHWM"));
            if (histogram.isEmpty() && System.nanoTime() - started > TimeUnit.SECONDS.toNanos(30)) {
                histogram = jcmd(agent.pid(), "GC.class_histogram");
            }
        }
        if (!Files.exists(out.resolve("journal.json"))) {
            throw new IllegalStateException("the run left no journal; see " + work.resolve("memory-run.log"));
        }
        long peakBefore = 0;
        long lastAfter = 0;
        java.util.regex.Matcher m =
                java.util.regex.Pattern.compile("(\\d+)M->(\\d+)M\\((\\d+)M\\)").matcher(Files.readString(gcLog));
        int collections = 0;
        while (m.find()) {
            collections++;
            peakBefore = Math.max(peakBefore, Long.parseLong(m.group(1)));
            lastAfter = Long.parseLong(m.group(2));
        }
        System.out.printf(
                Locale.ROOT,
                "a real run (60 s, cordon of 10 nodes, kill of 1 %% of the other pods) under -Xmx256m, exit %d:"
                        + " heap peak %d MiB (target <= 256), %d MiB after its last of %d GCs; peak RSS %d MiB%n",
                agent.exitValue(),
                peakBefore,
                lastAfter,
                collections,
                peakRss >> 20);
        System.out.println("what held the heap 30 s into the run (jcmd GC.class_histogram, top 12):");
        histogram.lines().skip(1).limit(14).forEach(System.out::println);
    }

    private String jcmd(long pid, String command) throws Exception {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        Path output = work.resolve("jcmd.out");
        Process p = new ProcessBuilder(jcmd.toString(), Long.toString(pid), command)
                .redirectErrorStream(true)
                .redirectOutput(output.toFile())
                .start();
        p.waitFor(60, TimeUnit.SECONDS);
        return Files.readString(output);
    }

    /** Bare pods, bound to the kwok nodes in turn (no scheduler: a filled cluster in minutes). */
    private void fill(int nodes, int pods) throws Exception {
        ensureNamespace(FILL);
        int have = (int) count("pods", "-n", FILL);
        if (have >= pods) {
            return;
        }
        System.out.printf(Locale.ROOT, "creating %d pods over %d kwok nodes%n", pods - have, nodes);
        ExecutorService pool = Executors.newFixedThreadPool(16);
        List<Future<?>> calls = new ArrayList<>();
        for (int i = have; i < pods; i++) {
            int n = i;
            calls.add(pool.submit(() -> {
                V1Pod pod = Yaml.loadAs("""
                        apiVersion: v1
                        kind: Pod
                        metadata: {name: fill-%d, labels: {app: fill}}
                        spec:
                          nodeName: kwok-node-%d
                          tolerations: [{operator: Exists}]
                          containers: [{name: app, image: aftershock.test/simulated:1, resources: {requests: {cpu: 1m}}}]
                        """.formatted(n, n % nodes + 1), V1Pod.class);
                // The model comes with an empty overhead map, which the API server takes as set.
                pod.getSpec().setOverhead(null);
                try {
                    core.createNamespacedPod(FILL, pod).execute();
                } catch (ApiException e) {
                    if (e.getCode() != 409) {
                        throw new IllegalStateException(e.getResponseBody(), e);
                    }
                }
                return null;
            }));
        }
        for (Future<?> call : calls) {
            call.get();
        }
        pool.shutdown();
    }

    private void target(int replicas) throws Exception {
        ensureNamespace(TARGET);
        try {
            apps.readNamespacedDeployment("web", TARGET).execute();
            // Left by an earlier round of another size.
            io.kubernetes.client.util.PatchUtils.patch(
                    V1Deployment.class,
                    () -> apps.patchNamespacedDeployment(
                                    "web",
                                    TARGET,
                                    new io.kubernetes.client.custom.V1Patch(
                                            "{\"spec\":{\"replicas\":%d}}".formatted(replicas)))
                            .buildCall(null),
                    io.kubernetes.client.custom.V1Patch.PATCH_FORMAT_STRATEGIC_MERGE_PATCH,
                    client);
        } catch (ApiException e) {
            if (e.getCode() != 404) {
                throw e;
            }
            apps.createNamespacedDeployment(TARGET, Yaml.loadAs("""
                            apiVersion: apps/v1
                            kind: Deployment
                            metadata: {name: web}
                            spec:
                              replicas: %d
                              selector: {matchLabels: {app: web}}
                              template:
                                metadata: {labels: {app: web}}
                                spec:
                                  nodeSelector: {type: kwok}
                                  containers: [{name: app, image: aftershock.test/simulated:1, resources: {requests: {cpu: 1m}}}]
                            """.formatted(replicas), V1Deployment.class))
                    .execute();
        }
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(20);
        while (true) {
            var d = apps.readNamespacedDeployment("web", TARGET).execute();
            // Created is enough: planning reads objects, and kwok on two cores starts pods at about ten
            // a second, so waiting for 20,000 to run would take the better part of an hour.
            Integer created = d.getStatus() == null ? null : d.getStatus().getReplicas();
            if (created != null && created >= replicas) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("deployment web has " + created + " of " + replicas + " pods");
            }
            Thread.sleep(2000);
        }
    }

    private void ensureNamespace(String name) throws ApiException {
        try {
            core.createNamespace(new V1Namespace().metadata(new V1ObjectMeta().name(name)))
                    .execute();
        } catch (ApiException e) {
            if (e.getCode() != 409) {
                throw e;
            }
        }
    }

    /** Reading and planning, as `run --dry-run` does them (it validates, reads, plans, prints the plan). */
    private double plan(Path experiment) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        long start = System.nanoTime();
        int code = Main.run(
                new PrintWriter(out),
                new PrintWriter(err),
                "run",
                experiment.toString(),
                "--dry-run",
                "--kubeconfig",
                kubeconfig.toString(),
                "--state-dir",
                work.resolve("state").toString());
        double ms = (System.nanoTime() - start) / 1e6;
        // Until kwok has started the target's pods, the plan, once made, is refused by maxUnavailable
        // (most pods are not ready yet): the same reading and planning, then a refusal instead of the plan.
        boolean planned = code == 0 || (code == 2 && (out + "" + err).contains("would break a safety guard"));
        if (!planned) {
            throw new IllegalStateException("the dry run failed (" + code + "): " + out + err);
        }
        return ms;
    }

    private double kubectlGets() throws Exception {
        long start = System.nanoTime();
        kubectl("get", "pods", "-A", "-o", "name");
        kubectl("get", "nodes", "-o", "name");
        return (System.nanoTime() - start) / 1e6;
    }

    /** How many objects `kubectl get ... -o name` lists. */
    private long count(String... get) throws Exception {
        List<String> args = new ArrayList<>(List.of("get"));
        args.addAll(Arrays.asList(get));
        args.addAll(List.of("-o", "name"));
        return kubectl(args.toArray(String[]::new)).lines().count();
    }

    private String kubectl(String... args) throws Exception {
        List<String> command = new ArrayList<>(
                List.of(dev.aftershock.testbed.Testbed.kubectl().toString(), "--kubeconfig", kubeconfig.toString()));
        command.addAll(Arrays.asList(args));
        Path output = work.resolve("kubectl.out");
        Process p = new ProcessBuilder(command)
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .redirectOutput(output.toFile())
                .start();
        if (!p.waitFor(5, TimeUnit.MINUTES) || p.exitValue() != 0) {
            throw new IllegalStateException("kubectl " + String.join(" ", args) + " failed");
        }
        return Files.readString(output);
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}
