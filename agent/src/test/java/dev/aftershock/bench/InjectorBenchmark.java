package dev.aftershock.bench;

import dev.aftershock.evaluation.LoadFrame;
import dev.aftershock.evaluation.LoadRecorder;
import dev.aftershock.journal.Redaction;
import dev.aftershock.kube.ClusterAccess;
import dev.aftershock.kube.InjectorPods;
import dev.aftershock.kube.KubeClients;
import dev.aftershock.load.GatlingLoadDriver;
import dev.aftershock.load.InjectorFleet;
import dev.aftershock.model.Arrival;
import dev.aftershock.model.LoadProfile;
import dev.aftershock.testbed.TargetApps;
import dev.aftershock.testbed.TestCluster;
import dev.aftershock.testbed.Testbed;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1Namespace;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1Service;
import io.kubernetes.client.util.Yaml;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;

/**
 * Load injectors, measured two ways. Merge: what the agent spends per second of data from N
 * injectors (each second's frame line parsed and added to the recorder), against the same requests
 * from one stream (the local child's), in-process. Overhead: the successful requests per second one
 * injector pod on a real node achieves against the target, against the agent's local Gatling child
 * on this machine against the same target (through a NodePort), alternating, at a rate that
 * saturates both. On this 2-core machine the pods share the cores with everything else, so scaling
 * with more injectors cannot be shown here (README: Load injectors).
 * Run: scripts/bench injectors [rate] [seconds] [rounds]
 */
public final class InjectorBenchmark {
    private static final int NODE_PORT = 30097;

    private InjectorBenchmark() {}

    public static void main(String[] args) throws Exception {
        double rate = args.length > 0 ? Double.parseDouble(args[0]) : 1500;
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        merge();
        overhead(rate, seconds, rounds);
    }

    /** The agent's merge cost per second of data: N injectors' lines against one stream's. */
    static void merge() {
        int seconds = 600;
        long requestsPerSecond = 20_000;
        for (int injectors : new int[] {1, 2, 10, 50}) {
            List<List<String>> lines = new ArrayList<>();
            Random random = new Random(19);
            for (int s = 0; s < seconds; s++) {
                List<String> second = new ArrayList<>();
                for (int i = 0; i < injectors; i++) {
                    second.add(line(s, requestsPerSecond / injectors, random));
                }
                lines.add(second);
            }
            // Warm the JIT on a copy first, then measure.
            feed(lines);
            long start = System.nanoTime();
            int rounds = 3;
            for (int r = 0; r < rounds; r++) {
                feed(lines);
            }
            double perSecondOfData = (System.nanoTime() - start) / 1e3 / rounds / seconds;
            System.out.printf(
                    Locale.ROOT,
                    "merge: %d injector(s), %,d requests a second in all: %.0f us of the agent's CPU per second of"
                            + " data (%.3f %% of one core)%n",
                    injectors,
                    requestsPerSecond,
                    perSecondOfData,
                    perSecondOfData / 1e4);
        }
    }

    private static void feed(List<List<String>> lines) {
        LoadRecorder recorder = new LoadRecorder(0, "bench");
        for (List<String> second : lines) {
            for (String line : second) {
                recorder.add(LoadFrame.parse(line));
            }
        }
    }

    /** One injector's line for a second: latencies spread as a service's are, a few pods named. */
    private static String line(long second, long requests, Random random) {
        Histogram h = new Histogram(3);
        for (long i = 0; i < requests; i++) {
            h.recordValue(1 + (long) Math.abs(random.nextGaussian() * 20));
        }
        ByteBuffer buffer = ByteBuffer.allocate(h.getNeededByteBufferCapacity());
        int length = h.encodeIntoCompressedByteBuffer(buffer);
        // "web-a" and "web-b", as the driver names them (URL-safe Base64, no padding).
        String pods = "d2ViLWE=" + (requests / 2) + ",d2ViLWI=" + (requests - requests / 2);
        return "S %d %d %s - %s - -"
                .formatted(
                        second,
                        second * 1000,
                        Base64.getEncoder().encodeToString(java.util.Arrays.copyOf(buffer.array(), length)),
                        pods);
    }

    /** One injector pod against the local child, same target, alternating. */
    static void overhead(double rate, int seconds, int rounds) throws Exception {
        Path kubeconfig = Testbed.ensureUp();
        String image = Testbed.agentImage();
        ApiClient client = KubeClients.forCalls(new ClusterAccess.Kubeconfig(kubeconfig));
        ApiClient streams = KubeClients.forWatches(new ClusterAccess.Kubeconfig(kubeconfig));
        CoreV1Api core = new CoreV1Api(client);
        String ns = "bench-injectors-" + Long.toHexString(System.nanoTime() & 0xffff);
        core.createNamespace(new V1Namespace().metadata(new V1ObjectMeta().name(ns)))
                .execute();
        try {
            TestCluster cluster = new TestCluster(kubeconfig, client, ns);
            TargetApps.createAndAwaitReady(
                    cluster,
                    TargetApps.deployment(TargetApps.Template.of("target").spreadOverNodes(), 2),
                    Duration.ofSeconds(120));
            core.createNamespacedService(ns, Yaml.loadAs("""
                                    apiVersion: v1
                                    kind: Service
                                    metadata: {name: target}
                                    spec:
                                      type: NodePort
                                      selector: {app: target}
                                      ports: [{port: 8080, targetPort: 8080, nodePort: %d}]
                                    """.formatted(NODE_PORT), V1Service.class))
                    .execute();
            URI inCluster = URI.create("http://target." + ns + ".svc:8080/work?cpuMs=0");
            URI fromHere = URI.create("http://" + TargetApps.nodeIp("real-node-1") + ":" + NODE_PORT + "/work?cpuMs=0");
            Path driver = dev.aftershock.validation.RepositoryPaths.root()
                    .resolve("load/driver/target/aftershock-load-driver.jar");
            List<Double> pod = new ArrayList<>();
            List<Double> local = new ArrayList<>();
            for (int r = 0; r < rounds; r++) {
                Path dir = Files.createTempDirectory("aftershock-injector-bench");
                pod.add(viaPod(client, streams, image, ns, inCluster, rate, seconds, dir.resolve("pod")));
                local.add(viaLocalChild(driver, fromHere, rate, seconds, dir.resolve("local")));
                System.out.printf(
                        Locale.ROOT,
                        "round %d: injector pod %.1f ok rps, local child %.1f ok rps%n",
                        r + 1,
                        pod.get(r),
                        local.get(r));
            }
            double a =
                    Stats.median(pod.stream().mapToDouble(Double::doubleValue).toArray());
            double b =
                    Stats.median(local.stream().mapToDouble(Double::doubleValue).toArray());
            System.out.printf(
                    Locale.ROOT,
                    "offered %.0f rps for %d s, %d rounds: one injector pod median %.1f ok rps, local child median"
                            + " %.1f ok rps; ratio pod/local %.3f%n",
                    rate,
                    seconds,
                    rounds,
                    a,
                    b,
                    a / b);
        } finally {
            core.deleteNamespace(ns).execute();
        }
    }

    private static LoadProfile profile(URI url, double rate, int seconds, int injectors) {
        return new LoadProfile(
                url,
                "GET",
                Map.of(),
                Optional.empty(),
                Duration.ofSeconds(2),
                List.of(new Arrival.Hold(rate, Duration.ofSeconds(seconds))),
                LoadProfile.ServedBy.DEFAULT,
                new LoadProfile.Injectors(
                        injectors,
                        Map.of("cpu", "100m", "memory", "512Mi"),
                        Map.of("memory", "1Gi"),
                        Map.of("type", "real"),
                        false));
    }

    private static double viaPod(
            ApiClient client, ApiClient streams, String image, String ns, URI url, double rate, int seconds, Path dir)
            throws Exception {
        LoadProfile profile = profile(url, rate, seconds, 1);
        InjectorPods pods =
                new InjectorPods(client, streams, new InjectorPods.Settings(Optional.of(image), Optional.of(ns)), ns);
        AtomicLong ok = new AtomicLong();
        InjectorFleet fleet = new InjectorFleet(
                pods,
                "bench-" + Long.toHexString(System.nanoTime() & 0xffffff),
                Map.of("type", "real"),
                Set.of(),
                Redaction.none(),
                dir,
                false,
                System::currentTimeMillis);
        long startsAt = fleet.prepare(profile, url, Map.of(), frame -> ok.addAndGet(frame.requests() - frame.failed()))
                .orElseThrow();
        while (System.currentTimeMillis() < startsAt) {
            Thread.sleep(50);
        }
        fleet.start(profile, url, Map.of(), startsAt, frame -> ok.addAndGet(frame.requests() - frame.failed()));
        if (!fleet.awaitEnd(profile.totalLength().plusSeconds(60))) {
            fleet.close();
            throw new IllegalStateException("the injector did not end; see " + dir);
        }
        fleet.close();
        return ok.get() / (double) seconds;
    }

    private static double viaLocalChild(Path driver, URI url, double rate, int seconds, Path dir) throws Exception {
        LoadProfile profile = profile(url, rate, seconds, 1);
        AtomicLong ok = new AtomicLong();
        GatlingLoadDriver load = new GatlingLoadDriver(driver, dir, Redaction.none());
        load.start(
                profile,
                url,
                Map.of(),
                System.currentTimeMillis(),
                frame -> ok.addAndGet(frame.requests() - frame.failed()));
        if (!load.awaitEnd(profile.totalLength().plusSeconds(60))) {
            throw new IllegalStateException("the local child did not end; see " + dir.resolve("gatling.log"));
        }
        load.close();
        return ok.get() / (double) seconds;
    }
}
