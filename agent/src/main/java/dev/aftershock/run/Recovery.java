package dev.aftershock.run;

import dev.aftershock.fault.ClusterOps;
import dev.aftershock.fault.FaultRegistry;
import dev.aftershock.fault.Leftover;
import dev.aftershock.model.FaultSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Reverts what any run left behind, whether or not its process still exists: whatever each fault
 * kind finds in the cluster (node holds, and later helper pods), and every open entry of every
 * run's ledger, each through the fault kind that made it. The marks of a run that still holds the
 * run lock are left alone: that run is alive and recovers them itself.
 */
public final class Recovery {
    public record Report(List<String> lines, int recovered, int failures, int skipped) {}

    private final ClusterOps cluster;
    private final Path stateDir;
    private final Optional<String> liveRun;
    private final java.util.function.Predicate<String> ofRuns;
    private dev.aftershock.selection.Reach reach = dev.aftershock.selection.Reach.cluster();

    /** {@code liveRun}: the run that holds the run lock now, if one does. */
    public Recovery(ClusterOps cluster, Path stateDir, Optional<String> liveRun) {
        this(cluster, stateDir, liveRun, run -> true);
    }

    /**
     * Recovers only what the runs {@code ofRuns} accepts left: an agent taking over from its dead
     * predecessor undoes that one's runs, never those of a CLI run going on beside it.
     */
    public Recovery(
            ClusterOps cluster, Path stateDir, Optional<String> liveRun, java.util.function.Predicate<String> ofRuns) {
        this.cluster = cluster;
        this.stateDir = stateDir;
        this.liveRun = liveRun;
        this.ofRuns = ofRuns;
    }

    /**
     * Looks only where the agent may: with a namespaced reach, node faults cannot have run, and their
     * marks (on nodes) cannot be read.
     */
    public Recovery within(dev.aftershock.selection.Reach reach) {
        this.reach = reach;
        return this;
    }

    /** What is left behind now (for the next run's check), without changing anything. */
    public List<Leftover> find(List<String> problems) throws Exception {
        Set<Leftover> all = new LinkedHashSet<>();
        for (Map.Entry<FaultSpec.Action, FaultRegistry.Entry> e :
                FaultRegistry.entries().entrySet()) {
            if (!reach.nodes() && e.getKey().targets() == FaultSpec.Targets.NODES) {
                continue;
            }
            all.addAll(e.getValue().leftovers().find(cluster));
        }
        RollbackLedger.Scan scan = RollbackLedger.scan(stateDir);
        scan.unreadable().forEach(u -> problems.add("skipped an unreadable ledger: " + u));
        for (RollbackLedger.Ledger ledger : scan.unsettled()) {
            for (RollbackLedger.Entry entry : ledger.entries()) {
                if (entry.open()) {
                    all.add(new Leftover(
                            ledger.runId(),
                            entry.fault(),
                            entry.action(),
                            entry.kind(),
                            entry.namespace(),
                            entry.name()));
                }
            }
        }
        return List.copyOf(all);
    }

    public Report recoverAll() throws Exception {
        List<String> lines = new ArrayList<>();
        List<Leftover> leftovers =
                find(lines).stream().filter(l -> ofRuns.test(l.run())).toList();
        int recovered = 0;
        int failures = 0;
        int skipped = 0;
        Set<String> runs = new LinkedHashSet<>();
        Set<String> unsettledRuns = new LinkedHashSet<>();
        for (Leftover l : leftovers) {
            runs.add(l.run());
            if (liveRun.filter(l.run()::equals).isPresent()) {
                skipped++;
                unsettledRuns.add(l.run());
                lines.add("skipped %s: run %s is still running (it holds the run lock and recovers its own faults)"
                        .formatted(l.describe(), l.run()));
                continue;
            }
            Optional<FaultSpec.Action> action = FaultSpec.Action.fromWord(l.action());
            if (action.isEmpty()) {
                failures++;
                unsettledRuns.add(l.run());
                lines.add("could not recover %s: this agent does not know the action %s"
                        .formatted(l.describe(), l.action()));
                continue;
            }
            try {
                String done = FaultRegistry.entry(action.get()).leftovers().undo(l, cluster);
                recovered++;
                lines.add("recovered %s: %s".formatted(l.describe(), done));
                cluster.event(
                        l.kind(),
                        l.namespace(),
                        l.name(),
                        ClusterOps.EventReason.AftershockRecovered,
                        "recovered by `aftershock recover` after run %s (fault %s): %s"
                                .formatted(l.run(), l.fault(), done));
            } catch (Exception e) {
                failures++;
                unsettledRuns.add(l.run());
                lines.add("could not recover %s: %s".formatted(l.describe(), e.getMessage()));
            }
        }
        for (String run : runs) {
            if (!unsettledRuns.contains(run)) {
                RollbackLedger.settle(stateDir, run, "recovered");
            }
        }
        if (leftovers.isEmpty()) {
            lines.add("nothing to recover: no fault of a run is left in the cluster and no ledger is open");
        }
        return new Report(lines, recovered, failures, skipped);
    }
}
