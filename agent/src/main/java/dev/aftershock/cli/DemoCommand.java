package dev.aftershock.cli;

import dev.aftershock.evaluation.ClusterTimeline;
import dev.aftershock.kube.ClusterAccess;
import dev.aftershock.kube.ClusterWatch;
import dev.aftershock.kube.DemoDeployment;
import dev.aftershock.kube.KubeClients;
import dev.aftershock.kube.StatusMessages;
import io.kubernetes.client.openapi.ApiException;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(
        name = "demo",
        mixinStandardHelpOptions = true,
        description = {
            "Brings the testbed up (building it the first time), deploys the target service with an HPA",
            "(charts/target/target.yaml) and runs experiments/quickstart.yaml against it: ramped load, the HPA",
            "scales out, a pod is killed during the hold. Prints the verdict and where the results are.",
            "Runs from a checkout of the repository (./aftershock demo), as root: the testbed needs it."
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:the quickstart passed",
            "1:a hypothesis failed",
            "2:not run from a checkout, or invalid options",
            "3:the testbed or the target could not be brought up, or the run aborted"
        })
final class DemoCommand implements Callable<Integer> {
    static final String NAMESPACE = "aftershock-demo";
    static final int NODE_PORT = 30080;

    @ParentCommand
    AftershockCommand parent;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(
            names = "--out",
            paramLabel = "DIR",
            description = "Where to write the results (default: reports/demo-<time>).")
    Path out;

    @Option(
            names = "--agent",
            paramLabel = "URL",
            description = "Submit the quickstart to the agent installed by the chart at this URL (its API), as"
                    + " `aftershock submit` does, rather than run it from here: the in-cluster path.")
    URI agent;

    @Option(
            names = "--token-file",
            paramLabel = "FILE",
            description = "With --agent: the bearer token to call it with (default: the kubeconfig user's).")
    Path tokenFile;

    @Option(
            names = "--metrics-port",
            paramLabel = "PORT",
            description = "Serve the agent's metrics on this port during the run, as `run` does.")
    Integer metricsPort;

    @Override
    public Integer call() throws Exception {
        var stdout = spec.commandLine().getOut();
        var err = spec.commandLine().getErr();
        String home = System.getProperty("aftershock.home");
        if (home == null || !Files.isExecutable(Path.of(home, "testbed", "up"))) {
            err.println("aftershock: demo: run it from a checkout of the repository, as ./aftershock demo"
                    + " (it needs testbed/, charts/ and experiments/ beside the agent)");
            return ExitCode.INVALID_INPUT.code();
        }
        Path root = Path.of(home);
        Path experiment = root.resolve("experiments/quickstart.yaml");
        Path manifests = root.resolve("charts/target/target.yaml");

        stdout.println(
                "demo 1/4: starting the testbed (testbed/up; the first time builds it from source, about 30 min)");
        stdout.flush();
        Map<String, String> testbed = testbedUp(root);
        if (testbed == null) {
            err.println(
                    "aftershock: demo: testbed/up failed (its messages are above); `testbed/status` shows what runs");
            return ExitCode.ABORTED.code();
        }
        String image = testbed.get("AFTERSHOCK_TARGET_IMAGE");
        Path kubeconfig = Path.of(testbed.getOrDefault("KUBECONFIG", ""));
        if (image == null || "0".equals(testbed.get("AFTERSHOCK_TESTBED_REAL_NODES"))) {
            err.println(
                    "aftershock: demo: the demo needs the testbed's real nodes (AFTERSHOCK_TESTBED_REAL_NODES=0 turns them off)");
            return ExitCode.ABORTED.code();
        }

        stdout.printf(
                "demo 2/4: deploying the target (%s, image %s) into namespace %s%n",
                root.relativize(manifests), image, NAMESPACE);
        stdout.flush();
        var client = KubeClients.forCalls(new ClusterAccess.Kubeconfig(kubeconfig));
        var deployment = new DemoDeployment(client);
        try {
            deployment.deleteNamespace(NAMESPACE, Duration.ofMinutes(2));
            deployment.create(NAMESPACE, Files.readString(manifests, StandardCharsets.UTF_8), image);
        } catch (ApiException e) {
            err.printf(
                    "aftershock: demo: deploying %s failed: the cluster answered HTTP %d: %s%n",
                    root.relativize(manifests), e.getCode(), StatusMessages.messageOf(e));
            return ExitCode.ABORTED.code();
        }

        stdout.println("demo 3/4: waiting until the target is Ready and its HPA has measured it idle");
        stdout.flush();
        if (!awaitIdleTarget(kubeconfig, Duration.ofMinutes(3))) {
            err.println("aftershock: demo: the target was not Ready with an idle HPA after 3 minutes; see"
                    + " `kubectl -n " + NAMESPACE + " get pods,hpa` and `kubectl -n " + NAMESPACE + " get events`");
            return ExitCode.ABORTED.code();
        }
        String address = deployment.nodeAddress("type", "real").orElse(null);
        if (address == null) {
            err.println("aftershock: demo: no Ready real node to send the load to");
            return ExitCode.ABORTED.code();
        }
        URI loadUrl = URI.create("http://" + address + ":" + NODE_PORT);
        Path results = out != null
                ? out
                : root.resolve("reports")
                        .resolve("demo-"
                                + DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")
                                        .withZone(ZoneOffset.UTC)
                                        .format(Instant.now()));

        if (agent != null) {
            stdout.printf(
                    "demo 4/4: submitting %s to the agent at %s, the load sent to the NodePort at %s%n",
                    root.relativize(experiment), agent, loadUrl);
            stdout.flush();
            SubmitCommand submit = new SubmitCommand();
            submit.spec = spec;
            submit.file = experiment;
            submit.loadUrl = loadUrl;
            submit.agent = new AgentOptions();
            submit.agent.agent = agent;
            submit.agent.tokenFile = tokenFile;
            submit.agent.kubeconfig = kubeconfig;
            return submit.call();
        }
        stdout.printf(
                "demo 4/4: running %s, the load sent to the NodePort at %s%n", root.relativize(experiment), loadUrl);
        stdout.flush();
        RunCommand run = new RunCommand();
        run.parent = parent;
        run.spec = spec;
        run.file = experiment;
        run.loadUrl = loadUrl;
        run.out = results;
        run.metricsPort = metricsPort;
        run.prometheusUrl = null;
        run.recoverFirst = true;
        run.cluster = new ClusterOptions();
        run.cluster.kubeconfig = kubeconfig;
        int exit = run.call();
        stdout.printf(
                "demo: %s (exit %d). Results in %s: report.html (open it in a browser), journal.json, junit.xml%n",
                switch (exit) {
                    case 0 -> "the quickstart passed";
                    case 1 -> "a hypothesis failed";
                    default -> "the run did not complete";
                },
                exit,
                results.toAbsolutePath());
        stdout.println("demo: the target stays deployed in namespace " + NAMESPACE + "; KUBECONFIG=" + kubeconfig);
        return exit;
    }

    /** Runs testbed/up with its progress on our stderr; returns what it exported, or null if it failed. */
    private static Map<String, String> testbedUp(Path root) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(root.resolve("testbed/up").toString())
                .directory(root.toFile())
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        String stdout = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(90, TimeUnit.MINUTES) || p.exitValue() != 0) {
            return null;
        }
        return TestbedExports.parse(stdout);
    }

    /**
     * One Ready pod, and an HPA that has measured it below target with one desired replica: a fresh
     * JVM's start-up burns CPU, and a run that began before the HPA saw it idle would time that instead.
     */
    private static boolean awaitIdleTarget(Path kubeconfig, Duration within) throws InterruptedException {
        ClusterTimeline timeline = new ClusterTimeline();
        long started = System.currentTimeMillis();
        try (var informers = new dev.aftershock.kube.SharedInformers(
                        KubeClients.forWatches(new ClusterAccess.Kubeconfig(kubeconfig)));
                ClusterWatch watch = new ClusterWatch(
                        informers,
                        new ClusterWatch.Scope(
                                NAMESPACE,
                                dev.aftershock.selection.LabelSelector.of(Map.of("app", "target")),
                                "deployment",
                                "target",
                                true),
                        () -> System.currentTimeMillis() - started,
                        timeline::observe)) {
            watch.start(Duration.ofSeconds(30));
            return timeline.awaitUntil(
                    t -> t.availableReplicas().orElse(0) >= 1
                            && t.hpa("target")
                                    .filter(h -> h.desired() == 1 && h.metricBelowTarget())
                                    .isPresent(),
                    within.toMillis());
        }
    }
}
