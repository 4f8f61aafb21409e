package dev.aftershock.fault;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * The helper pods one fault of a run started, found by their labels as well as by what the fault
 * remembers (an API error after a helper's creation leaves one the fault never heard of), and ended:
 * each says its last on the SIGTERM (it lets its memory go) and is deleted.
 */
final class OwnHelpers {
    private OwnHelpers() {}

    /**
     * Ends each helper of the fault whose job {@code ofTarget} accepts, {@code known} (one the
     * fault saw start) first; what each said, or empty when there was none.
     */
    static List<String> end(
            ClusterOps cluster,
            String runId,
            String fault,
            Optional<ClusterOps.HelperStarted> known,
            Predicate<HelperJob> ofTarget)
            throws Exception {
        List<String> mine = new ArrayList<>();
        known.ifPresent(h -> mine.add(h.namespace() + "/" + h.pod()));
        for (ClusterOps.HelperPod h : cluster.helperPods()) {
            String name = h.namespace() + "/" + h.name();
            if (h.job().run().equals(runId)
                    && h.job().fault().equals(fault)
                    && ofTarget.test(h.job())
                    && !mine.contains(name)) {
                mine.add(name);
            }
        }
        List<String> said = new ArrayList<>();
        for (String h : mine) {
            int slash = h.indexOf('/');
            ClusterOps.HelperEnded ended = cluster.endHelper(
                    h.substring(0, slash), h.substring(slash + 1), Instant.now().plusSeconds(30));
            said.add("%s: %s".formatted(h, ended.message()));
        }
        return said;
    }

    /**
     * Clears away every helper of the fault still there (when the run stops), each given a few
     * seconds: what is left is found by `aftershock recover`, and its deadline ends it in any case.
     */
    static void endAll(ClusterOps cluster, String runId, String fault) {
        if (cluster == null) {
            return;
        }
        List<ClusterOps.HelperPod> all;
        try {
            all = cluster.helperPods();
        } catch (Exception e) {
            return; // What is left is found by `aftershock recover`; its deadline ends it.
        }
        for (ClusterOps.HelperPod h : all) {
            if (h.job().run().equals(runId) && h.job().fault().equals(fault)) {
                try {
                    cluster.endHelper(h.namespace(), h.name(), Instant.now().plusSeconds(5));
                } catch (Exception e) {
                    // The next one all the same; this one's deadline ends it.
                }
            }
        }
    }
}
