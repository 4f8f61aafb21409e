package dev.aftershock.run;

import dev.aftershock.fault.ClusterOps;
import dev.aftershock.fault.Leftover;
import dev.aftershock.kube.RunLease;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The first step of a real run: one run at a time per cluster (the Lease), and nothing an earlier run
 * left changed (recovered first when asked, refused otherwise). Both refusals are exit 3, saying why.
 */
final class LockAndLeftovers {
    private LockAndLeftovers() {}

    /** One run at a time per cluster; null (after saying who holds it) when another run does. */
    static RunLease takeLock(ApiClient client, RunOptions.Locking locking, String runId, Console console)
            throws ApiException, InterruptedException {
        try {
            return RunLease.acquire(client, locking.namespace(), runId, locking.waitForLock());
        } catch (RunLease.Held held) {
            console.refused(
                    "refused: another run is in progress; nothing was changed",
                    List.of("run %s holds the lock (Lease %s/%s) since %s; wait for it, or pass --wait-for-lock"
                            .formatted(
                                    held.holder().identity(),
                                    locking.namespace(),
                                    RunLease.NAME,
                                    held.holder().since())));
            return null;
        }
    }

    /** What an earlier run left changed: recover it first, or refuse (exit 3). */
    static boolean noneLeft(ClusterOps cluster, RunOptions options, Console console) throws ApiException {
        Recovery recovery = new Recovery(cluster, options.stateDir(), Optional.empty()).within(options.reach());
        List<String> problems = new ArrayList<>();
        List<Leftover> left;
        try {
            left = recovery.find(problems);
        } catch (ApiException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("cannot look for what earlier runs left: " + e.getMessage(), e);
        }
        problems.forEach(console::warn);
        if (left.isEmpty()) {
            return true;
        }
        if (!options.recoverFirst()) {
            List<String> lines =
                    new ArrayList<>(left.stream().map(Leftover::describe).toList());
            console.refused(
                    "refused: an earlier run left the cluster changed; recover it first (`aftershock recover`) or pass --recover-first",
                    lines);
            return false;
        }
        try {
            Recovery.Report report = recovery.recoverAll();
            report.lines().forEach(console::line);
            return report.failures() == 0;
        } catch (Exception e) {
            console.warn("recovering what earlier runs left failed: " + e.getMessage());
            return false;
        }
    }
}
