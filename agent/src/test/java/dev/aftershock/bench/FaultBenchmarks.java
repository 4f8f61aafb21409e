package dev.aftershock.bench;

import dev.aftershock.cli.Main;
import dev.aftershock.fault.Fault;
import dev.aftershock.fault.FaultContext;
import dev.aftershock.fault.NodeDrainFault;
import dev.aftershock.journal.Journal;
import dev.aftershock.journal.JournalCodec;
import dev.aftershock.journal.Measurement;
import dev.aftershock.kube.ClusterAccess;
import dev.aftershock.kube.ClusterReader;
import dev.aftershock.kube.KubeClients;
import dev.aftershock.kube.KubeClusterOps;
import dev.aftershock.model.FaultSpec;
import dev.aftershock.selection.Plan;
import dev.aftershock.selection.Planner;
import dev.aftershock.validation.ExperimentLoader;
import io.kubernetes.client.custom.V1Patch;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.AppsV1Api;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.apis.PolicyV1Api;
import io.kubernetes.client.openapi.models.V1Deployment;
import io.kubernetes.client.openapi.models.V1Namespace;
import io.kubernetes.client.openapi.models.V1Node;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodDisruptionBudget;
import io.kubernetes.client.util.PatchUtils;
import io.kubernetes.client.util.Yaml;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Fault benchmarks on the testbed, each against a baseline run side by side in the same session:
 * <ul>
 *   <li>drain: kwok nodes (one by default, or as many as asked) with 100 pods each under PDBs of
 *       maxUnavailable 10 %, drained at once by Aftershock and by one `kubectl drain` process per node
 *       of the same Kubernetes version, alternating, two rounds each;
 *   <li>kills: injection latency (scheduled instant to the API call returning) over 200 pod kills,
 *       against bare client-java deletes of the same kind of pod (another deployment, same namespace)
 *       made at the same time, one every 100 ms, from another thread of the same JVM.
 * </ul>
 * Run: scripts/bench drain [nodes] [podsPerNode] | scripts/bench kills [rounds]
 */
public final class FaultBenchmarks {
    private final Path kubeconfig = Path.of(System.getenv("KUBECONFIG"));
    private final ApiClient client = KubeClients.forCalls(new ClusterAccess.Kubeconfig(kubeconfig));
    private final CoreV1Api core = new CoreV1Api(client);
    private final AppsV1Api apps = new AppsV1Api(client);
    private final Path work = Files.createTempDirectory("aftershock-bench");

    private FaultBenchmarks() throws java.io.IOException {}

    public static void main(String[] args) throws Exception {
        FaultBenchmarks b = new FaultBenchmarks();
        switch (args.length > 0 ? args[0] : "") {
            case "drain" ->
                b.drain(
                        args.length > 1 ? Integer.parseInt(args[1]) : 1,
                        args.length > 2 ? Integer.parseInt(args[2]) : 100);
            case "kills" -> b.kills(args.length > 1 ? Integer.parseInt(args[1]) : 3);
            default ->
                throw new IllegalArgumentException(
                        "usage: FaultBenchmarks drain [nodes] [podsPerNode] | kills [rounds]");
        }
    }

    /**
     * Drains the first {@code nodes} kwok nodes of the general pool, each holding its own Deployment
     * of {@code podsPerNode} pods under a PDB of maxUnavailable 10 %; the other nodes of the pool take
     * the evicted pods. Aftershock drains them all at once, as a run injects a fault's targets, against
     * one `kubectl drain` process per node started together; alternating, two rounds each.
     */
    private void drain(int nodes, int podsPerNode) throws Exception {
        List<String> pool = generalPool();
        if (pool.size() < 2 * nodes) {
            throw new IllegalStateException("draining %d nodes needs %d kwok nodes for their pods, not %d"
                    .formatted(nodes, 2 * nodes, pool.size()));
        }
        List<String> drained = pool.subList(0, nodes);
        List<String> spares = pool.subList(nodes, pool.size());
        String ns = namespace("bench-drain");
        List<Double> ours = new ArrayList<>();
        List<Double> kubectl = new ArrayList<>();
        for (int round = 0; round < 2; round++) {
            fillNodes(ns, drained, spares, podsPerNode);
            ours.add(aftershockDrain(ns, drained, round));
            drained.forEach(n -> setUnschedulable(n, false));
            fillNodes(ns, drained, spares, podsPerNode);
            kubectl.add(kubectlDrains(drained));
            drained.forEach(n -> setUnschedulable(n, false));
        }
        core.deleteNamespace(ns).execute();
        System.out.printf(
                Locale.ROOT,
                "drain of %d node%s (%s) with %d pods each, a PDB of maxUnavailable 10%% per node's Deployment,"
                        + " two rounds each, alternating%n",
                nodes,
                nodes == 1 ? "" : "s",
                String.join(", ", drained),
                podsPerNode);
        System.out.printf(Locale.ROOT, "aftershock node-drain       : %s s%n", ours);
        System.out.printf(Locale.ROOT, "kubectl drain, %2d processes : %s s%n", nodes, kubectl);
        System.out.printf(
                Locale.ROOT, "ratio aftershock/kubectl (means): %.2f (target <= 1.0)%n", mean(ours) / mean(kubectl));
    }

    /** The general pool's kwok nodes in the order testbed/up numbers them. */
    private List<String> generalPool() throws ApiException {
        return core.listNode().labelSelector("type=kwok,pool=general").execute().getItems().stream()
                .map(n -> n.getMetadata().getName())
                .sorted(java.util.Comparator.comparingInt(
                        (String n) -> Integer.parseInt(n.substring(n.lastIndexOf('-') + 1))))
                .toList();
    }

    /**
     * Deployment bench-i on drained node i only: every other node is cordoned while its pods are
     * scheduled. Then the spares are opened, so evicted pods have somewhere to go, as in a real drain.
     */
    private void fillNodes(String ns, List<String> drained, List<String> spares, int podsPerNode) throws Exception {
        removeDeployments(ns);
        spares.forEach(n -> setUnschedulable(n, true));
        drained.forEach(n -> setUnschedulable(n, true));
        for (int i = 0; i < drained.size(); i++) {
            setUnschedulable(drained.get(i), false);
            deploy(ns, "bench-" + i, podsPerNode, "10%");
            setUnschedulable(drained.get(i), true);
        }
        drained.forEach(n -> setUnschedulable(n, false));
        spares.forEach(n -> setUnschedulable(n, false));
    }

    /** The drain fault itself (cordon, evictions, wait until every pod is gone), as a run drives it. */
    private double aftershockDrain(String ns, List<String> nodes, int round) throws Exception {
        Path file = Files.writeString(
                work.resolve("drain-" + round + ".yaml"), """
                apiVersion: aftershock.dev/v1alpha1
                kind: Experiment
                metadata: {name: bench-drain}
                spec:
                  duration: 10m
                  target: {namespace: %s, workload: deployment/bench-0}
                  faults:
                    - {name: drain, at: 0s, action: node-drain, nodes: {names: [%s]}, evictionTimeout: 9m, concurrency: 20}
                  safety: {maxUnavailable: 100%%}
                """.formatted(ns, String.join(", ", nodes)));
        var experiment = ((ExperimentLoader.Loaded) ExperimentLoader.load(file)).experiment();
        Plan plan = Planner.plan(experiment, new ClusterReader(client).snapshot(experiment, 1), 1);
        List<Plan.Target> targets = plan.faults().get(0).targets();
        var fault = new NodeDrainFault(
                (FaultSpec.NodeDrain) experiment.spec().faults().get(0));
        var context = new FaultContext(
                "bench-" + round,
                new KubeClusterOps(
                        client,
                        new dev.aftershock.kube.SharedInformers(
                                KubeClients.forWatches(new ClusterAccess.Kubeconfig(kubeconfig))),
                        java.time.Duration.ofMinutes(2)),
                () -> Instant.now().plusSeconds(600),
                note -> {},
                () -> false);
        long start = System.nanoTime();
        // A fault's targets are injected together, each on its own virtual thread (FaultTimeline).
        List<java.util.concurrent.Future<Fault.Injection>> injections = new ArrayList<>();
        try (var parallel = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            for (Plan.Target target : targets) {
                injections.add(parallel.submit(() -> fault.inject(target, context)));
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        for (Plan.Target target : targets) {
            fault.recover(target, context);
        }
        double retries = 0;
        List<String> took = new ArrayList<>();
        for (var injection : injections) {
            if (!injection.get().succeeded()) {
                throw new IllegalStateException(
                        "the drain did not complete: " + injection.get().message());
            }
            for (Measurement m : injection.get().measurements()) {
                if (m.name().equals("eviction retries (429)")) {
                    retries += m.value();
                } else if (m.name().equals("drain took")) {
                    took.add(Math.round(m.value() / 100) / 10.0 + "");
                }
            }
        }
        System.out.printf(
                Locale.ROOT,
                "  aftershock round %d: %.0f evictions refused by a PDB (429) and retried; each node took %s s%n",
                round + 1,
                retries,
                took);
        for (String node : nodes) {
            if (podsOn(ns, node) > 0) {
                throw new IllegalStateException("pods are left on " + node);
            }
        }
        return Math.round(seconds * 100) / 100.0;
    }

    /** One `kubectl drain` process per node, all started together; the time until the last ends. */
    private double kubectlDrains(List<String> nodes) throws Exception {
        Path kubectl = dev.aftershock.testbed.Testbed.kubectl();
        long start = System.nanoTime();
        List<Process> drains = new ArrayList<>();
        for (String node : nodes) {
            drains.add(new ProcessBuilder(
                            kubectl.toString(),
                            "--kubeconfig",
                            kubeconfig.toString(),
                            "drain",
                            node,
                            "--ignore-daemonsets",
                            "--delete-emptydir-data",
                            "--timeout=9m")
                    .redirectErrorStream(true)
                    .redirectOutput(
                            work.resolve("kubectl-drain-" + node + ".log").toFile())
                    .start());
        }
        for (Process p : drains) {
            if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
                throw new IllegalStateException("a kubectl drain failed; see " + work);
            }
        }
        double seconds = Math.round((System.nanoTime() - start) / 1e7) / 100.0;
        long retries = 0;
        for (String node : nodes) {
            retries += Files.readAllLines(work.resolve("kubectl-drain-" + node + ".log")).stream()
                    .filter(line -> line.contains("will retry after"))
                    .count();
        }
        System.out.printf(Locale.ROOT, "  kubectl: %d evictions refused by a PDB and retried%n", retries);
        return seconds;
    }

    /** Rounds of {@link #killRound}; each ratio is reported per round and as the median over rounds. */
    private void kills(int rounds) throws Exception {
        List<double[]> results = new ArrayList<>();
        for (int round = 1; round <= rounds; round++) {
            double[] r = killRound();
            results.add(r);
            System.out.printf(
                    Locale.ROOT,
                    "round %d: kills p50 %.1f ms, p99 %.1f ms; bare deletes side by side p50 %.1f ms, p99 %.1f ms"
                            + " (%d); ratios p50 %.2f, p99 %.2f; first kill %.1f ms vs later median %.1f ms: %.2f;"
                            + " against bare deletes with a uid precondition: p50 %.2f, p99 %.2f%n",
                    round,
                    r[0],
                    r[1],
                    r[2],
                    r[3],
                    (long) r[6],
                    r[0] / r[2],
                    r[1] / r[3],
                    r[4],
                    r[5],
                    r[4] / r[5],
                    r[0] / r[7],
                    r[1] / r[8]);
        }
        java.util.function.ToDoubleFunction<java.util.function.ToDoubleFunction<double[]>> median =
                f -> pct(results.stream().mapToDouble(f).toArray(), 50);
        System.out.printf(
                Locale.ROOT,
                "median over %d rounds: ratio aftershock/bare p50 %.2f, p99 %.2f (target <= 1.1);"
                        + " first kill vs later %.2f (target <= 1.2); against bare deletes with a uid precondition: p50 %.2f,"
                        + " p99 %.2f%n",
                rounds,
                median.applyAsDouble(r -> r[0] / r[2]),
                median.applyAsDouble(r -> r[1] / r[3]),
                median.applyAsDouble(r -> r[4] / r[5]),
                median.applyAsDouble(r -> r[0] / r[7]),
                median.applyAsDouble(r -> r[1] / r[8]));
    }

    /**
     * 200 pod kills, one every 100 ms, by a run; returns the kills' p50 and p99 injection latency, the
     * side-by-side bare deletes' p50 and p99, the first kill, the later kills' median, and how many
     * bare deletes there were.
     */
    private double[] killRound() throws Exception {
        String ns = namespace("bench-kills");
        deploy(ns, "bench", 200, "100%");
        Path experiment = Files.writeString(work.resolve("kills.yaml"), """
                apiVersion: aftershock.dev/v1alpha1
                kind: Experiment
                metadata: {name: bench-kills}
                spec:
                  duration: 35s
                  seed: 1
                  target: {namespace: %s, workload: deployment/bench}
                  faults:
                    - {name: kills, at: 1s, action: pod-kill, pods: {selector: {app: bench}, pick: all}, interval: 100ms, force: true}
                  safety: {maxUnavailable: 100%%}
                """.formatted(ns));
        // Baseline, side by side: while the run kills, bare client-java deletes of the same kind of pod
        // (another deployment of the same namespace, one every 100 ms) go on in this JVM against the
        // same API server, so both see the same machine, the same controllers and watches at work
        // (the run's watch of the namespace sees both kinds of delete) and the same warm-up.
        apps.createNamespacedDeployment(ns, Yaml.loadAs("""
                        apiVersion: apps/v1
                        kind: Deployment
                        metadata: {name: bare}
                        spec:
                          replicas: 100
                          selector: {matchLabels: {app: bare}}
                          template:
                            metadata: {labels: {app: bare}}
                            spec:
                              nodeSelector: {type: kwok, pool: general}
                              containers: [{name: app, image: aftershock.test/simulated:1, resources: {requests: {cpu: 1m}}}]
                        """, V1Deployment.class))
                .execute();
        awaitAvailable(ns, "bare", 100);
        List<long[]> bareCalls = java.util.Collections.synchronizedList(new ArrayList<>());
        var running = new java.util.concurrent.atomic.AtomicBoolean(true);
        Thread bareThread = Thread.ofPlatform().daemon().start(() -> bareDeletes(ns, running, bareCalls));
        Path out = work.resolve("out-kills");
        try {
            Main.run(
                    new PrintWriter(System.err),
                    new PrintWriter(System.err),
                    "run",
                    experiment.toString(),
                    "--kubeconfig",
                    kubeconfig.toString(),
                    "--state-dir",
                    work.resolve("state").toString(),
                    "--out",
                    out.toString());
        } finally {
            running.set(false);
            bareThread.join();
        }
        Journal journal = JournalCodec.read(out.resolve("journal.json"));
        var targets = journal.faults().get(0).targets();
        double[] ours = targets.stream()
                .flatMap(t -> t.measurements().stream())
                .filter(m -> m.name().equals("injection latency"))
                .mapToDouble(Measurement::value)
                .toArray();
        // The bare deletes made while the kills went on (from the first kill to the last).
        long runStart = journal.run().startedAt().toEpochMilli();
        long first = runStart
                + targets.stream()
                        .filter(t -> t.injectedAtMs() != null)
                        .mapToLong(t -> t.injectedAtMs())
                        .min()
                        .orElseThrow();
        long last = runStart
                + targets.stream()
                        .filter(t -> t.injectedAtMs() != null)
                        .mapToLong(t -> t.injectedAtMs())
                        .max()
                        .orElseThrow();
        double[] bare;
        double[] withPrecondition;
        synchronized (bareCalls) {
            bare = bareCalls.stream()
                    .filter(c -> c[0] >= first && c[0] <= last && c[2] == 0)
                    .mapToDouble(c -> c[1] / 1e6)
                    .toArray();
            withPrecondition = bareCalls.stream()
                    .filter(c -> c[0] >= first && c[0] <= last && c[2] == 1)
                    .mapToDouble(c -> c[1] / 1e6)
                    .toArray();
        }
        // Each round starts from a quiet cluster: the last one's pods are gone first.
        core.deleteNamespace(ns).execute();
        awaitNamespaceGone(ns);
        double[] later = Arrays.copyOfRange(ours, 1, ours.length);
        return new double[] {
            pct(ours, 50),
            pct(ours, 99),
            pct(bare, 50),
            pct(bare, 99),
            ours[0],
            pct(later, 50),
            bare.length,
            pct(withPrecondition, 50),
            pct(withPrecondition, 99)
        };
    }

    /**
     * Deletes the pods of deployment "bare" as a user would (grace 0, no precondition), one every 100 ms,
     * listing again when it has been through them, until told to stop: each call's wall-clock start
     * (ms) and duration (ns).
     */
    private void bareDeletes(String ns, java.util.concurrent.atomic.AtomicBoolean running, List<long[]> calls) {
        var preconditionDeletes = new dev.aftershock.kube.Pods(client);
        try {
            while (running.get()) {
                var pods = core.listNamespacedPod(ns)
                        .labelSelector("app=bare")
                        .execute()
                        .getItems();
                for (var pod : pods) {
                    if (!running.get()) {
                        return;
                    }
                    if (pod.getMetadata().getDeletionTimestamp() != null) {
                        continue;
                    }
                    // Alternately as a user would (grace 0 as a query parameter), and with the pod's
                    // uid as a precondition in a body (the agent's call for a pod whose name a
                    // successor could take, Pods.successorMayTakeName; these have generated names).
                    boolean withPrecondition = calls.size() % 2 == 1;
                    long wall = System.currentTimeMillis();
                    long start = System.nanoTime();
                    if (bareDelete(preconditionDeletes, ns, pod, withPrecondition)) {
                        calls.add(new long[] {wall, System.nanoTime() - start, withPrecondition ? 1 : 0});
                    }
                    Thread.sleep(100);
                }
            }
        } catch (Exception e) {
            throw new IllegalStateException("the bare deletes stopped", e);
        }
    }

    /** One bare delete; false when the pod was gone meanwhile (not a sample). */
    private boolean bareDelete(
            dev.aftershock.kube.Pods preconditionDeletes, String ns, V1Pod pod, boolean withPrecondition) {
        String name = pod.getMetadata().getName();
        try {
            if (withPrecondition) {
                return preconditionDeletes.delete(
                                ns,
                                name,
                                java.util.Optional.of(pod.getMetadata().getUid()),
                                java.util.Optional.of(java.time.Duration.ZERO),
                                java.util.Optional.empty(),
                                false)
                        instanceof dev.aftershock.fault.ClusterOps.Terminating;
            }
            client.execute(
                    core.deleteNamespacedPod(name, ns).gracePeriodSeconds(0).buildCall(null));
            return true;
        } catch (ApiException gone) {
            return false;
        }
    }

    private void awaitNamespaceGone(String ns) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (System.nanoTime() < deadline) {
            try {
                core.readNamespace(ns).execute();
            } catch (ApiException e) {
                if (e.getCode() == 404) {
                    return;
                }
            }
            Thread.sleep(500);
        }
    }

    private String namespace(String base) throws ApiException {
        String ns = base + "-" + Long.toHexString(System.nanoTime() & 0xfffff);
        core.createNamespace(new V1Namespace().metadata(new V1ObjectMeta().name(ns)))
                .execute();
        return ns;
    }

    /** Deployments and budgets of earlier rounds, and their pods, gone. */
    private void removeDeployments(String ns) throws Exception {
        apps.deleteCollectionNamespacedDeployment(ns).execute();
        new PolicyV1Api(client)
                .deleteCollectionNamespacedPodDisruptionBudget(ns)
                .execute();
        while (!core.listNamespacedPod(ns).execute().getItems().isEmpty()) {
            core.deleteCollectionNamespacedPod(ns).gracePeriodSeconds(0).execute();
            Thread.sleep(200);
        }
    }

    /** A Deployment of kwok pods, available, under a PDB of the same name that has seen them all. */
    private void deploy(String ns, String name, int replicas, String maxUnavailable) throws Exception {
        V1Deployment d = Yaml.loadAs("""
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: %s}
                spec:
                  replicas: %d
                  selector: {matchLabels: {app: %s}}
                  template:
                    metadata:
                      labels: {app: %s}
                      annotations: {testbed.aftershock.dev/exit-after: 1s}
                    spec:
                      nodeSelector: {type: kwok, pool: general}
                      terminationGracePeriodSeconds: 5
                      containers: [{name: app, image: aftershock.test/simulated:1, resources: {requests: {cpu: 1m}}}]
                """.formatted(name, replicas, name, name), V1Deployment.class);
        apps.createNamespacedDeployment(ns, d).execute();
        awaitAvailable(ns, name, replicas);
        new PolicyV1Api(client)
                .createNamespacedPodDisruptionBudget(
                        ns, Yaml.loadAs("""
                apiVersion: policy/v1
                kind: PodDisruptionBudget
                metadata: {name: %s}
                spec: {maxUnavailable: "%s", selector: {matchLabels: {app: %s}}}
                """.formatted(name, maxUnavailable, name), V1PodDisruptionBudget.class))
                .execute();
        while (true) {
            var s = new PolicyV1Api(client)
                    .readNamespacedPodDisruptionBudget(name, ns)
                    .execute()
                    .getStatus();
            if (s != null && s.getExpectedPods() != null && s.getExpectedPods() == replicas) {
                break;
            }
            Thread.sleep(200);
        }
    }

    private void awaitAvailable(String ns, String deployment, int replicas) throws Exception {
        while (true) {
            var s = apps.readNamespacedDeployment(deployment, ns).execute().getStatus();
            if (s != null && s.getAvailableReplicas() != null && s.getAvailableReplicas() == replicas) {
                return;
            }
            Thread.sleep(200);
        }
    }

    private int podsOn(String ns, String node) throws ApiException {
        return core.listNamespacedPod(ns)
                .fieldSelector("spec.nodeName=" + node)
                .execute()
                .getItems()
                .size();
    }

    private void setUnschedulable(String node, boolean unschedulable) {
        try {
            PatchUtils.patch(
                    V1Node.class,
                    () -> core.patchNode(
                                    node,
                                    new V1Patch(
                                            "{\"spec\":{\"unschedulable\":" + (unschedulable ? "true" : "null") + "}}"))
                            .buildCall(null),
                    V1Patch.PATCH_FORMAT_JSON_MERGE_PATCH,
                    client);
        } catch (ApiException e) {
            throw new IllegalStateException(e);
        }
    }

    private static double mean(List<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
    }

    private static double pct(double[] values, int p) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted.length == 0
                ? Double.NaN
                : sorted[Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1)];
    }
}
