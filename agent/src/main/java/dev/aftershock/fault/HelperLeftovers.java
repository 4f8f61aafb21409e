package dev.aftershock.fault;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Leftovers of faults that act through node helpers: the helper pods of that action. For faults
 * that leave nothing in the target ({@code leavesRules} false: a signal is not undone, memory grown
 * by a helper goes with it), undoing is ending and deleting the helpers. Otherwise undoing one
 * asks each helper of the fault on that target to revert and deletes it; a helper that ended
 * without saying it reverted (killed, say), or a ledger entry whose helper is gone, gets an unblock
 * helper that removes whatever rule of the fault is still in the target pod.
 */
record HelperLeftovers(String action, boolean leavesRules) implements Leftovers {
    @Override
    public List<Leftover> find(ClusterOps cluster) throws Exception {
        List<Leftover> found = new ArrayList<>();
        for (ClusterOps.HelperPod h : cluster.helperPods()) {
            if (h.job().action().equals(action)) {
                found.add(leftover(h.job()));
            }
        }
        return found;
    }

    /** As the run's ledger names the target: a node for a node fault's helper (the hog), else the pod. */
    private static Leftover leftover(HelperJob job) {
        return job.mode().onNode()
                ? new Leftover(job.run(), job.fault(), job.action(), "Node", null, job.node())
                : new Leftover(job.run(), job.fault(), job.action(), "Pod", job.targetNamespace(), job.targetPod());
    }

    @Override
    public String undo(Leftover leftover, ClusterOps cluster) throws Exception {
        List<String> done = new ArrayList<>();
        Optional<HelperJob> unblock = Optional.empty();
        boolean reverted = false;
        for (ClusterOps.HelperPod h : cluster.helperPods()) {
            if (!leftover.equals(leftover(h.job()))) {
                continue;
            }
            ClusterOps.HelperEnded ended =
                    cluster.endHelper(h.namespace(), h.name(), Instant.now().plusSeconds(30));
            if (h.job().mode() == HelperJob.Mode.UNBLOCK) {
                done.add("removed unblock helper %s/%s (%s)".formatted(h.namespace(), h.name(), ended.message()));
                reverted |= ended.reverted();
                continue;
            }
            done.add("helper %s/%s: %s%s"
                    .formatted(
                            h.namespace(),
                            h.name(),
                            ended.message(),
                            ended.found() && !ended.message().startsWith("the helper did not say") ? "; deleted" : ""));
            if (ended.reverted() || !leavesRules) {
                reverted = true;
            } else {
                unblock = Optional.of(h.job().unblocking());
            }
        }
        if (!leavesRules) {
            // Nothing is left in the target: only the helper pods are cleared away.
            return done.isEmpty() ? "no helper pod was left" : String.join("; ", done);
        }
        if (unblock.isEmpty() && !reverted) {
            // Only a ledger entry: the helper is gone, so no word says the rule went with it. Look.
            unblock = targetNow(leftover, cluster);
            if (unblock.isEmpty()) {
                done.add("the pod is gone, and its network (with any rule) with it");
                return String.join("; ", done);
            }
        }
        if (unblock.isPresent()) {
            ClusterOps.HelperStarted check =
                    cluster.startHelper(unblock.get(), Instant.now().plusSeconds(60));
            cluster.endHelper(check.namespace(), check.pod(), Instant.now().plusSeconds(30));
            if (!check.effective()) {
                throw new IllegalStateException(
                        String.join("; ", done) + "; the unblock helper failed: " + check.message());
            }
            done.add("an unblock helper on node %s: %s".formatted(unblock.get().node(), check.message()));
        }
        return String.join("; ", done);
    }

    /** An unblock job for the leftover's pod, if the pod still exists. */
    private Optional<HelperJob> targetNow(Leftover l, ClusterOps cluster) throws Exception {
        return cluster.pods(l.namespace()).stream()
                .filter(p -> p.name().equals(l.name()) && p.nodeName() != null)
                .findFirst()
                .map(p -> new HelperJob(
                                l.run(),
                                l.fault(),
                                action,
                                HelperJob.Mode.INJECT,
                                p.namespace(),
                                p.name(),
                                p.uid(),
                                p.nodeName(),
                                java.util.Map.of(),
                                java.time.Duration.ofMinutes(2))
                        .unblocking());
    }
}
