package dev.aftershock.run;

import dev.aftershock.cli.CliRun;
import dev.aftershock.journal.Journal;
import dev.aftershock.journal.JournalCodec;
import dev.aftershock.journal.TargetRecord;
import dev.aftershock.testbed.TestCluster;
import dev.aftershock.validation.RepositoryPaths;
import io.kubernetes.client.custom.V1Patch;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.models.V1Node;
import io.kubernetes.client.util.PatchUtils;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Runs experiments against the testbed the way users do: from a file, through the CLI. */
final class RunFixture {
    final TestCluster cluster;
    final Path dir;

    RunFixture(TestCluster cluster) throws IOException {
        this.cluster = cluster;
        this.dir = Files.createTempDirectory("aftershock-run-it");
    }

    Path experiment(String name, String yaml) throws IOException {
        return Files.writeString(dir.resolve(name + ".yaml"), yaml.replace("NAMESPACE", cluster.namespace()));
    }

    /** Every node helper pod there is, in any namespace. */
    java.util.List<io.kubernetes.client.openapi.models.V1Pod> helpers() throws Exception {
        return cluster.core()
                .listPodForAllNamespaces()
                .labelSelector("aftershock.dev/helper")
                .execute()
                .getItems();
    }

    Path stateDir() {
        return dir.resolve("state");
    }

    Path out(String name) {
        return dir.resolve("out-" + name);
    }

    CliRun run(Path experiment, String... extra) {
        return CliRun.of(runArgs(experiment, extra));
    }

    /** A run going on on another thread, its output readable as it is written. */
    record BackgroundRun(java.util.concurrent.Future<CliRun> result, java.io.StringWriter out) {
        /** Until the run's output says {@code text} (or the run has ended). */
        void awaitOutput(String text, java.time.Duration atMost) {
            org.awaitility.Awaitility.await()
                    .alias("the run's output says " + text)
                    .atMost(atMost)
                    .until(() -> out.toString().contains(text) || result.isDone());
        }

        CliRun finished() throws Exception {
            return result.get(10, java.util.concurrent.TimeUnit.MINUTES);
        }
    }

    /** The run, started on another thread; its error output is kept for the result. */
    BackgroundRun start(Path experiment, String... extra) {
        String[] args = runArgs(experiment, extra);
        java.io.StringWriter out = new java.io.StringWriter();
        java.util.concurrent.CompletableFuture<CliRun> result = java.util.concurrent.CompletableFuture.supplyAsync(
                () -> {
                    java.io.StringWriter err = new java.io.StringWriter();
                    int code = dev.aftershock.cli.Main.run(
                            new java.io.PrintWriter(out, true), new java.io.PrintWriter(err, true), args);
                    return new CliRun(code, out.toString(), err.toString());
                },
                java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());
        return new BackgroundRun(result, out);
    }

    private String[] runArgs(Path experiment, String... extra) {
        List<String> args = new ArrayList<>(List.of(
                "run",
                experiment.toString(),
                "--kubeconfig",
                cluster.kubeconfig().toString(),
                "--state-dir",
                stateDir().toString(),
                "--out",
                out(experiment.getFileName().toString()).toString()));
        args.addAll(List.of(extra));
        return args.toArray(String[]::new);
    }

    CliRun recover(String... extra) {
        List<String> args = new ArrayList<>(List.of(
                "recover",
                "--kubeconfig",
                cluster.kubeconfig().toString(),
                "--state-dir",
                stateDir().toString()));
        args.addAll(List.of(extra));
        return CliRun.of(args.toArray(String[]::new));
    }

    /** Until the run lock's Lease has expired (a killed run stops renewing it; it expires after 15 s). */
    void awaitNoLiveRun() {
        org.awaitility.Awaitility.await()
                .atMost(java.time.Duration.ofSeconds(40))
                .until(() -> dev.aftershock.kube.RunLease.liveHolder(cluster.client(), "default")
                        .isEmpty());
    }

    /** The testbed's kubectl (tests that need what only kubectl does, such as `create token`). */
    static final Path KUBECTL = dev.aftershock.testbed.Testbed.kubectl();

    /** A kubeconfig for the testbed's API server in which the user is {@code user} (a token, an exec plugin). */
    @SuppressWarnings("unchecked")
    Path kubeconfigAs(String name, Map<String, Object> user) throws IOException {
        org.yaml.snakeyaml.Yaml yaml = new org.yaml.snakeyaml.Yaml();
        Map<String, Object> admin = yaml.load(Files.readString(cluster.kubeconfig()));
        Object server =
                ((List<Map<String, Object>>) admin.get("clusters")).get(0).get("cluster");
        Map<String, Object> config = Map.of(
                "apiVersion",
                "v1",
                "kind",
                "Config",
                "current-context",
                name,
                "clusters",
                List.of(Map.of("name", "testbed", "cluster", server)),
                "contexts",
                List.of(Map.of("name", name, "context", Map.of("cluster", "testbed", "user", name))),
                "users",
                List.of(Map.of("name", name, "user", user)));
        return Files.writeString(dir.resolve(name + "-kubeconfig"), yaml.dump(config));
    }

    Journal journal(Path experiment) {
        return JournalCodec.read(out(experiment.getFileName().toString()).resolve("journal.json"));
    }

    static TargetRecord onlyTarget(Journal journal, String fault) {
        return journal.faults().stream()
                .filter(f -> f.name().equals(fault))
                .findFirst()
                .orElseThrow()
                .targets()
                .get(0);
    }

    static double measured(TargetRecord target, String prefix) {
        return target.measurements().stream()
                .filter(m -> m.name().startsWith(prefix))
                .mapToDouble(dev.aftershock.journal.Measurement::value)
                .findFirst()
                .orElse(Double.NaN);
    }

    /** The CLI as a separate process, for tests that kill it. */
    Process start(Path experiment) throws IOException {
        return start(experiment, Map.of());
    }

    /** The same, with more environment (such as a load driver that is not there). */
    Process start(Path experiment, Map<String, String> env) throws IOException {
        Path jar = RepositoryPaths.root().resolve("agent/target/aftershock-agent.jar");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder builder = new ProcessBuilder(
                        java,
                        "--enable-native-access=ALL-UNNAMED",
                        "-jar",
                        jar.toString(),
                        "run",
                        experiment.toString(),
                        "--kubeconfig",
                        cluster.kubeconfig().toString(),
                        "--state-dir",
                        stateDir().toString(),
                        "--out",
                        out(experiment.getFileName().toString()).toString())
                .redirectOutput(dir.resolve(experiment.getFileName() + ".out").toFile())
                .redirectError(dir.resolve(experiment.getFileName() + ".err").toFile());
        // A null value removes the variable: a run as from a shell that never set it.
        env.forEach((k, v) -> {
            if (v == null) {
                builder.environment().remove(k);
            } else {
                builder.environment().put(k, v);
            }
        });
        return builder.start();
    }

    String output(Path experiment) throws IOException {
        return Files.readString(dir.resolve(experiment.getFileName() + ".out"))
                + Files.readString(dir.resolve(experiment.getFileName() + ".err"));
    }

    V1Node node(String name) throws ApiException {
        return cluster.core().readNode(name).execute();
    }

    boolean schedulable(String name) throws ApiException {
        V1Node n = node(name);
        return n.getSpec() == null || !Boolean.TRUE.equals(n.getSpec().getUnschedulable());
    }

    Map<String, String> annotations(String name) throws ApiException {
        Map<String, String> a = node(name).getMetadata().getAnnotations();
        return a == null ? Map.of() : a;
    }

    /** Removes the test's workloads and budgets, so the next test in the class starts clean. */
    void clearNamespace() throws ApiException {
        String ns = cluster.namespace();
        cluster.apps().deleteCollectionNamespacedDeployment(ns).execute();
        new io.kubernetes.client.openapi.apis.PolicyV1Api(cluster.client())
                .deleteCollectionNamespacedPodDisruptionBudget(ns)
                .execute();
        cluster.core().deleteCollectionNamespacedPod(ns).gracePeriodSeconds(0).execute();
        org.awaitility.Awaitility.await()
                .atMost(java.time.Duration.ofSeconds(60))
                .until(() -> cluster.core()
                        .listNamespacedPod(ns)
                        .execute()
                        .getItems()
                        .isEmpty());
    }

    /** Puts a node back as the testbed made it, whatever a failed test left. */
    void resetNode(String name) throws ApiException {
        String patch = "{\"metadata\":{\"annotations\":{\"aftershock.dev/run\":null,\"aftershock.dev/fault\":null,"
                + "\"aftershock.dev/holders\":null,\"aftershock.dev/was-unschedulable\":null}},"
                + "\"spec\":{\"unschedulable\":null}}";
        PatchUtils.patch(
                V1Node.class,
                () -> cluster.core().patchNode(name, new V1Patch(patch)).buildCall(null),
                V1Patch.PATCH_FORMAT_JSON_MERGE_PATCH,
                cluster.client());
    }
}
