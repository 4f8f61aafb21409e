package dev.aftershock.evaluation;

import dev.aftershock.journal.Termination;
import java.util.List;
import java.util.Optional;

/**
 * Everything a hypothesis may be judged on, gathered once at the end of a run: the load (absent
 * without a load section), why the load did not happen as planned (if so), the cluster timeline,
 * the Prometheus to query (absent without --prometheus-url), when the run ended on its clock, the
 * target workload ("deployment/x"), and every pod termination of the run (see {@link Terminations}).
 * A new kind of evidence is a new field here.
 */
public record Evidence(
        Optional<LoadRecorder> load,
        Optional<String> loadNotDelivered,
        ClusterTimeline cluster,
        Optional<PromQlEvaluator.Query> prometheus,
        long runEndMs,
        String workload,
        List<Termination> terminations) {
    public Evidence {
        terminations = List.copyOf(terminations);
    }
}
