package dev.aftershock.evaluation;

import dev.aftershock.journal.Termination;
import java.util.List;
import java.util.Optional;

/**
 * Everything a hypothesis may be judged on, gathered once at the end of a run: the load (absent
 * without a load section), why the load did not happen as planned (if so), the cluster timeline,
 * the Prometheus to query (absent without --prometheus-url), when the run ended on its clock, the
 * target workload ("deployment/x"), every pod termination of the run (see {@link Terminations}), and
 * the load's arrival plan.
 * A new kind of evidence is a new field here.
 */
public record Evidence(
        Optional<LoadRecorder> load,
        Optional<String> loadNotDelivered,
        ClusterTimeline cluster,
        Optional<PromQlEvaluator.Query> prometheus,
        long runEndMs,
        String workload,
        List<Termination> terminations,
        Optional<ArrivalPlan> arrivals) {
    public Evidence {
        terminations = List.copyOf(terminations);
    }

    /** Without the load's arrival plan. */
    public Evidence(
            Optional<LoadRecorder> load,
            Optional<String> loadNotDelivered,
            ClusterTimeline cluster,
            Optional<PromQlEvaluator.Query> prometheus,
            long runEndMs,
            String workload,
            List<Termination> terminations) {
        this(load, loadNotDelivered, cluster, prometheus, runEndMs, workload, terminations, Optional.empty());
    }

    /**
     * When the load's rises began, in ms of the run: the arrival plan placed on the run's clock by
     * its first request (sent when the plan had its first due, not at its start: a plan that opens
     * quietly or ramps from nothing sends it late). Empty without a load that sent one.
     */
    public List<Long> loadRisesMs() {
        return arrivals.flatMap(plan -> load.map(l -> l.firstRequestAtMs().stream()
                        .boxed()
                        .map(first -> first - plan.firstRequestMs())
                        .flatMap(start -> plan.risesMs().stream().map(rise -> start + rise))
                        .toList()))
                .orElse(List.of());
    }
}
