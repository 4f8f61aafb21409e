package dev.aftershock.run;

import dev.aftershock.kube.KubeEvents;
import dev.aftershock.kube.Nodes;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Reverts what any run left behind, whether or not its process still exists: every node that carries
 * Aftershock's marks, and every run whose local ledger is not settled.
 */
public final class Recovery {
    public record Report(List<String> lines, int recovered, int failures) {}

    private final ApiClient client;
    private final Path stateDir;

    public Recovery(ApiClient client, Path stateDir) {
        this.client = client;
        this.stateDir = stateDir;
    }

    public Report recoverAll() throws ApiException {
        Nodes nodes = new Nodes(client);
        KubeEvents events = new KubeEvents(client);
        List<String> lines = new ArrayList<>();
        int recovered = 0;
        int failures = 0;
        Set<String> runs = new LinkedHashSet<>();
        for (Nodes.Marked m : nodes.marked()) {
            runs.add(m.run());
            try {
                nodes.uncordon(m.node(), m.run());
                recovered++;
                lines.add("recovered node %s (cordoned by run %s, fault %s)%s"
                        .formatted(
                                m.node(),
                                m.run(),
                                m.fault(),
                                m.wasUnschedulable() ? "; it was unschedulable before and stays so" : ""));
                events.record(
                        "Node",
                        null,
                        m.node(),
                        KubeEvents.Reason.AftershockRecovered,
                        "recovered by `aftershock recover` after run %s (fault %s)".formatted(m.run(), m.fault()));
            } catch (ApiException e) {
                failures++;
                lines.add("could not recover node %s (run %s): HTTP %d %s"
                        .formatted(m.node(), m.run(), e.getCode(), e.getResponseBody()));
            }
        }
        for (RollbackLedger.Ledger ledger : RollbackLedger.unsettled(stateDir)) {
            runs.add(ledger.runId());
        }
        if (failures == 0) {
            for (String run : runs) {
                RollbackLedger.settle(stateDir, run, "recovered");
            }
        }
        if (runs.isEmpty()) {
            lines.add("nothing to recover: no node carries Aftershock's marks and no run is unsettled");
        }
        return new Report(lines, recovered, failures);
    }
}
