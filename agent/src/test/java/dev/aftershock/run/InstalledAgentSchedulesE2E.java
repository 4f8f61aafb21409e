package dev.aftershock.run;

import dev.aftershock.testbed.TestCluster;
import dev.aftershock.testbed.TestbedExtension;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Schedules in the agents the chart installs, on real minutes ({@link ScheduleScenario}: Forbid, a
 * late run within the starting deadline, a missed start after it; {@link LeaderFailoverScenario}: two
 * replicas, the leader killed, no minute lost or run twice). Each scenario mostly waits for minutes
 * to turn, with its own release, namespace, Lease and run lock (an installed agent locks in its own
 * namespace) and its own target, so they play side by side: the test takes as long as the longer.
 */
@ExtendWith(TestbedExtension.class)
class InstalledAgentSchedulesE2E {
    private final TestCluster cluster;

    InstalledAgentSchedulesE2E(TestCluster cluster) {
        this.cluster = cluster;
    }

    @BeforeAll
    static void victims(TestCluster cluster) throws Exception {
        ScheduleScenario.deployVictim(cluster);
        LeaderFailoverScenario.deployVictim(cluster);
    }

    @Test
    void schedulesKeepTheirMinutesThroughOutagesAndALeadersDeath(@TempDir Path files) throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try {
            List<Future<?>> scenarios = List.of(
                    threads.submit(() -> {
                        new ScheduleScenario(cluster).run(files.resolve("schedules"));
                        return null;
                    }),
                    threads.submit(() -> {
                        new LeaderFailoverScenario(cluster).run(files.resolve("failover"));
                        return null;
                    }));
            // Each plays to its end (and uninstalls its agent) whatever the other does.
            List<Throwable> failures = new ArrayList<>();
            for (Future<?> scenario : scenarios) {
                try {
                    scenario.get();
                } catch (ExecutionException e) {
                    failures.add(e.getCause());
                }
            }
            if (!failures.isEmpty()) {
                AssertionError failed = new AssertionError(failures.size() + " of 2 scenarios failed: " + failures);
                failures.forEach(failed::addSuppressed);
                throw failed;
            }
        } finally {
            threads.shutdownNow();
        }
    }
}
