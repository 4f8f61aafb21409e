package dev.aftershock.testbed;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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
    void downStopsEveryProcessItStarted() throws IOException {
        List<Long> pids = recordedPids();
        assertThat(pids).as("the testbed records the processes it starts").isNotEmpty();

        Testbed.Script down = Testbed.run("down", Duration.ofMinutes(2));
        Testbed.forget();

        assertThat(down.exitCode()).isZero();
        assertThat(pids)
                .allSatisfy(pid -> assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive))
                        .as("process %d", pid)
                        .isNotEqualTo(java.util.Optional.of(true)));
        assertThat(Testbed.run("status", Duration.ofSeconds(30)).exitCode()).isEqualTo(1);

        Testbed.ensureUp();
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
