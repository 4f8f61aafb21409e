package dev.aftershock.evaluation;

import java.util.Optional;

/**
 * Everything a hypothesis may be judged on, gathered once at the end of a run: the load (absent
 * without a load section), why the load did not happen as planned (if so), the cluster timeline,
 * the Prometheus to query (absent without --prometheus-url), when the run ended on its clock, and
 * the target workload ("deployment/x"). A new kind of evidence is a new field here.
 */
public record Evidence(
        Optional<LoadRecorder> load,
        Optional<String> loadNotDelivered,
        ClusterTimeline cluster,
        Optional<PromQlEvaluator.Query> prometheus,
        long runEndMs,
        String workload) {}
