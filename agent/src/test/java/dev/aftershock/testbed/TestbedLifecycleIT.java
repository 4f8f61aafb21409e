package dev.aftershock.testbed;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aftershock.validation.RepositoryPaths;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * testbed/up is idempotent and testbed/down leaves no process behind. Runs last among the ITs
 * (see junit-platform.properties) and brings the testbed back up when it is done.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Order(Integer.MAX_VALUE)
class TestbedLifecycleIT {
    @Test
    @Order(0)
    void upThatFailsSaysWhyBeforeItExits() throws Exception {
        Testbed.ensureUp();
        // A setting that is not a number is refused before anything starts, through the exit path
        // every failure takes: the diagnosis of the running testbed, then the exit code.
        ProcessBuilder up = new ProcessBuilder(
                        RepositoryPaths.root().resolve("testbed/up").toString())
                .redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        up.environment().put("AFTERSHOCK_TESTBED_KWOK_NODES", "many");
        Process failing = up.start();
        String output = new String(failing.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

        assertThat(failing.waitFor()).isEqualTo(2);
        assertThat(output)
                .contains("AFTERSHOCK_TESTBED_KWOK_NODES must be a whole number, not 'many'")
                .contains("diagnosis follows")
                .contains("last lines of")
                .contains("metrics API Available=True")
                .contains("up failed (exit 2)");
    }

    @Test
    @Order(1)
    void upTwiceInARowReusesTheRunningCluster() throws IOException {
        Path first = Testbed.ensureUp();
        List<Long> before = recordedPids();

        Testbed.Script again = Testbed.run("up", Duration.ofMinutes(5));

        assertThat(again.exitCode()).isZero();
        assertThat(Testbed.kubeconfigFrom(again.stdout())).isEqualTo(first);
        assertThat(recordedPids())
                .as("the same processes, nothing restarted")
                .containsExactlyInAnyOrderElementsOf(before);
        // Reported, not asserted: timing targets belong to benchmarks and notes.
        System.out.printf("testbed: a second 'up' took %d ms%n", again.took().toMillis());
    }

    @Test
    @Order(2)
    void downStopsEveryProcessItStartedAndRemovesTheRealNodesFromTheMachine() throws Exception {
        List<Long> pids = recordedPids();
        assertThat(pids).as("the testbed records the processes it starts").isNotEmpty();
        assertThat(realNodeTraces()).as("while up").contains("network namespace as-real-node-1");

        // A pid file whose number belongs to a process that is not the testbed's (as after a reboot).
        Process stranger = new ProcessBuilder("sleep", "600").start();
        Path strangerPid = Testbed.ensureUp().getParent().resolve("pids/stranger.pid");
        Files.writeString(strangerPid, Long.toString(stranger.pid()));

        Testbed.Script down = Testbed.run("down", Duration.ofMinutes(2));
        Testbed.forget();

        assertThat(stranger.isAlive()).as("a process the testbed did not start").isTrue();
        stranger.destroy();
        Files.deleteIfExists(strangerPid);

        assertThat(down.exitCode()).isZero();
        assertThat(pids)
                .allSatisfy(pid -> assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive))
                        .as("process %d", pid)
                        .isNotEqualTo(java.util.Optional.of(true)));
        assertThat(Testbed.run("status", Duration.ofSeconds(30)).exitCode()).isEqualTo(1);
        assertThat(realNodeTraces()).as("left on the machine by the real nodes").isEmpty();

        Testbed.ensureUp();
    }

    /**
     * What the real nodes put on this machine outside the cache: network namespaces, links, the
     * iptables chain, mounts below their state directories, cgroups.
     */
    private static List<String> realNodeTraces() throws Exception {
        List<String> traces = new ArrayList<>();
        for (String ns : Testbed.commandOutput("ip", "netns", "list")) {
            if (ns.startsWith("as-real-node-")) {
                traces.add("network namespace " + ns.split(" ")[0]);
            }
        }
        for (String link : Testbed.commandOutput("ip", "-o", "link", "show")) {
            String name = link.split(":")[1].strip().split("@")[0];
            if (name.equals("asbr0") || name.matches("asn\\d+")) {
                traces.add("link " + name);
            }
        }
        if (Testbed.commandOutput("iptables", "-S").stream().anyMatch(rule -> rule.contains("AFTERSHOCK-TESTBED"))) {
            traces.add("iptables chain AFTERSHOCK-TESTBED");
        }
        for (String mount : Files.readAllLines(Path.of("/proc/self/mounts"))) {
            String point = mount.split(" ")[1];
            if (point.startsWith("/var/lib/aftershock-testbed/real-node-")
                    || point.startsWith("/run/aftershock-testbed/real-node-")) {
                traces.add("mount " + point);
            }
        }
        Path memoryCgroups = Path.of("/sys/fs/cgroup/memory");
        try (Stream<Path> cgroups = Files.isDirectory(memoryCgroups) ? Files.list(memoryCgroups) : Stream.empty()) {
            cgroups.map(p -> p.getFileName().toString())
                    .filter(name -> name.startsWith("aftershock-real-node-"))
                    .forEach(name -> traces.add("cgroup memory/" + name));
        }
        return traces;
    }

    /** Every pid file under the testbed's run directory: ours and kwokctl's. */
    private static List<Long> recordedPids() throws IOException {
        Path run = Testbed.ensureUp().getParent();
        try (Stream<Path> files = Files.walk(run)) {
            return files.filter(p -> p.toString().endsWith(".pid"))
                    .map(p -> {
                        try {
                            return Long.parseLong(Files.readString(p).strip());
                        } catch (IOException | NumberFormatException e) {
                            return -1L;
                        }
                    })
                    .filter(pid -> pid > 0)
                    .toList();
        }
    }
}
