package dev.aftershock.run;

import dev.aftershock.testbed.TestCluster;
import io.kubernetes.client.openapi.models.V1ConfigMap;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.stream.Collectors;

/** A schedule's runs as the agent records them in the cluster, for the schedule tests. */
final class ScheduledRuns {
    private static final DateTimeFormatter MINUTE =
            DateTimeFormatter.ofPattern("yyyyMMdd-HHmm").withZone(ZoneOffset.UTC);

    private ScheduledRuns() {}

    /** The schedule's run records by run id (a map: a scheduled time can have only one). */
    static Map<String, String> of(TestCluster cluster, String ns, String schedule) throws Exception {
        return cluster
                .core()
                .listNamespacedConfigMap(ns)
                .labelSelector("aftershock.dev/run-record=true")
                .execute()
                .getItems()
                .stream()
                .filter(m -> m.getMetadata().getName().startsWith("aftershock-run-" + schedule + "-"))
                .collect(Collectors.toMap(
                        m -> m.getMetadata().getName().substring("aftershock-run-".length()),
                        (V1ConfigMap m) -> m.getData().get("run.json")));
    }

    /** A scheduled time as run names carry it. */
    static String minute(Instant t) {
        return MINUTE.format(t);
    }

    /** The scheduled time a run name carries. */
    static Instant scheduledAt(String runId, String schedule) {
        String minute = runId.substring(schedule.length() + 1);
        return java.time.LocalDateTime.parse(minute, DateTimeFormatter.ofPattern("yyyyMMdd-HHmm"))
                .toInstant(ZoneOffset.UTC);
    }
}
