package dev.aftershock.testbed;

import dev.aftershock.cli.TestbedExports;
import dev.aftershock.validation.RepositoryPaths;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The project's own scripts under testbed/, run the way a developer runs them. */
public final class Testbed {
    private static Path kubeconfig;
    private static Map<String, String> exported = Map.of();
    private static String failedUp;

    private Testbed() {}

    /**
     * The testbed's cache as its scripts find it: {@code AFTERSHOCK_CACHE}, else {@code $HOME}'s
     * .cache/aftershock (the JVM's user.home comes from the password file and may not be $HOME).
     */
    public static Path cache() {
        String root = System.getenv("AFTERSHOCK_CACHE");
        if (root == null || root.isEmpty()) {
            String home = System.getenv().getOrDefault("HOME", System.getProperty("user.home"));
            root = Path.of(home, ".cache/aftershock").toString();
        }
        return Path.of(root, "testbed");
    }

    /** A version pinned in testbed/versions.env (KUBE_VERSION, HELM_VERSION, ...). */
    public static String version(String name) {
        java.util.Properties versions = new java.util.Properties();
        try (var reader = Files.newBufferedReader(RepositoryPaths.root().resolve("testbed/versions.env"))) {
            versions.load(reader);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        String v = versions.getProperty(name);
        if (v == null) {
            throw new IllegalStateException("testbed/versions.env has no " + name);
        }
        return v;
    }

    /** The testbed's kubectl, of the cluster's own version. */
    public static Path kubectl() {
        return cache().resolve("kube-" + version("KUBE_VERSION") + "/bin/kubectl");
    }

    /** Starts the testbed (or reuses the running one) once per JVM; returns its kubeconfig. */
    public static synchronized Path ensureUp() {
        if (failedUp != null) {
            // One failed up is enough: every later test class would wait as long to fail the same way.
            throw new IllegalStateException(failedUp);
        }
        if (kubeconfig == null) {
            Script up = run("up", Duration.ofMinutes(60));
            if (up.exitCode() != 0) {
                failedUp = "testbed/up failed (exit " + up.exitCode() + "); see " + up.log() + "; it ended with:\n"
                        + tail(up.log(), 40);
                throw new IllegalStateException(failedUp);
            }
            kubeconfig = kubeconfigFrom(up.stdout());
            exported = Map.copyOf(TestbedExports.parse(up.stdout()));
        }
        return kubeconfig;
    }

    /** The image of the target service that testbed/up built and imported into the real nodes. */
    public static synchronized String targetImage() {
        ensureUp();
        String image = exported.get("AFTERSHOCK_TARGET_IMAGE");
        if (image == null) {
            throw new IllegalStateException("testbed/up exported no AFTERSHOCK_TARGET_IMAGE (real nodes turned off?)");
        }
        return image;
    }

    /** The node helper image the real nodes have (probe-failure runs in it). */
    public static synchronized String helperImage() {
        ensureUp();
        String image = exported.get("AFTERSHOCK_HELPER_IMAGE");
        if (image == null) {
            throw new IllegalStateException("testbed/up exported no AFTERSHOCK_HELPER_IMAGE (real nodes turned off?)");
        }
        return image;
    }

    /** How many real kubelet nodes the testbed runs (0 when they are turned off). */
    public static synchronized int realNodes() {
        ensureUp();
        return Integer.parseInt(exported.getOrDefault("AFTERSHOCK_TESTBED_REAL_NODES", "0"));
    }

    static Path kubeconfigFrom(String upOutput) {
        List<String> lines = upOutput.strip().lines().toList();
        String last = lines.isEmpty() ? "" : lines.get(lines.size() - 1);
        if (!last.startsWith("export KUBECONFIG=")) {
            throw new IllegalStateException("testbed/up did not end with 'export KUBECONFIG=...': " + last);
        }
        return Path.of(last.substring("export KUBECONFIG=".length()));
    }

    private static String tail(Path log, int lines) {
        try {
            List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(cannot read " + log + ": " + e.getMessage() + ")";
        }
    }

    /** One run of a testbed script: its exit code, its standard output, where its stderr went. */
    public record Script(int exitCode, String stdout, Path log, Duration took) {}

    public static Script run(String script, Duration timeout, String... args) {
        Path dir = RepositoryPaths.root().resolve("testbed");
        List<String> command = new ArrayList<>(List.of(dir.resolve(script).toString()));
        command.addAll(List.of(args));
        try {
            Path logs = RepositoryPaths.root().resolve("agent/target/testbed-logs");
            Files.createDirectories(logs);
            Path log = logs.resolve(script + "-" + System.currentTimeMillis() + ".log");
            long start = System.nanoTime();
            Process p = new ProcessBuilder(command)
                    .redirectError(log.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("testbed/" + script + " did not finish within " + timeout);
            }
            return new Script(p.exitValue(), out, log, Duration.ofNanos(System.nanoTime() - start));
        } catch (IOException e) {
            throw new IllegalStateException("cannot run testbed/" + script, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * Builds the agent's image from the jars this build made and imports it into the real nodes
     * (testbed/real-nodes import agent); returns its reference.
     */
    public static synchronized String agentImage() {
        ensureUp();
        Script imported = run("real-nodes", Duration.ofMinutes(10), "import", "agent");
        String image = TestbedExports.parse(imported.stdout()).get("AFTERSHOCK_AGENT_IMAGE");
        if (imported.exitCode() != 0 || image == null) {
            throw new IllegalStateException(
                    "testbed/real-nodes import agent failed (exit " + imported.exitCode() + "); see " + imported.log());
        }
        return image;
    }

    /** The output lines of a command on this machine (ip, iptables...); a non-zero exit is an error. */
    public static List<String> commandOutput(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        List<String> lines = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8)
                .lines()
                .toList();
        if (p.waitFor() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " exited " + p.exitValue() + ": " + lines);
        }
        return lines;
    }

    /** Forget the cached kubeconfig (after a test took the testbed down and up again). */
    public static synchronized void forget() {
        kubeconfig = null;
    }
}
