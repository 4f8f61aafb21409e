package dev.aftershock.cli;

import dev.aftershock.api.RunRecord;
import dev.aftershock.api.RunRecords;
import dev.aftershock.kube.ClusterAccess;
import dev.aftershock.kube.RunLease;
import dev.aftershock.kube.StatusMessages;
import dev.aftershock.report.ReportFiles;
import dev.aftershock.run.InterruptedRunJournal;
import dev.aftershock.run.Recovery;
import dev.aftershock.selection.Reach;
import io.kubernetes.client.openapi.ApiClient;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.BooleanSupplier;

/**
 * What an agent does before it takes runs: the runs its predecessor left "running" died with it, so
 * they are marked interrupted, and what they changed is recovered, as `aftershock recover` does, once
 * their run lock has lapsed; each gets a journal of what happened to it. Only theirs: a CLI run going
 * on beside this agent recovers its own, and a run whose lock is still renewed (a former leader still
 * stopping it) is waited for, never marked under it.
 */
final class Takeover {
    /** Marks a journal the next agent wrote for an interrupted run (and may write again). */
    static final String WRITTEN_BY_NEXT_AGENT = ".interrupted-journal";

    private final RunRecords records;
    private final ClusterAccess access;
    private final ApiClient client;
    private final String lockNamespace;
    private final Path stateDir;
    private final Duration deadline;
    private final Reach reach;
    private final dev.aftershock.kube.NodeHelpers.Settings helpers;
    private final dev.aftershock.kube.InjectorPods.Settings injectors;
    private final String agentVersion;
    private final PrintWriter out;

    Takeover(
            RunRecords records,
            ClusterAccess access,
            ApiClient client,
            String lockNamespace,
            Path stateDir,
            Duration deadline,
            Reach reach,
            dev.aftershock.kube.NodeHelpers.Settings helpers,
            dev.aftershock.kube.InjectorPods.Settings injectors,
            String agentVersion,
            PrintWriter out) {
        this.records = records;
        this.access = access;
        this.client = client;
        this.lockNamespace = lockNamespace;
        this.stateDir = stateDir;
        this.deadline = deadline;
        this.reach = reach;
        this.helpers = helpers;
        this.injectors = injectors;
        this.agentVersion = agentVersion;
        this.out = out;
    }

    /**
     * Retried until it has worked (the agent stays not ready, and takes no runs, until then) or the
     * agent stops; true when it worked.
     */
    boolean run(BooleanSupplier stopping) {
        for (int attempt = 1; !stopping.getAsBoolean(); attempt++) {
            try {
                if (attempt(stopping)) {
                    return true;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            } catch (Exception e) {
                say("recovering what the interrupted runs left failed (attempt " + attempt + "): "
                        + StatusMessages.describe(e));
            }
            try {
                Thread.sleep(Math.min(30_000, 2_000L * attempt));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return false;
    }

    private boolean attempt(BooleanSupplier stopping) throws Exception {
        if (!awaitNoLiveRun(stopping)) {
            return false;
        }
        List<RunRecord> marked =
                records.markInterrupted("the agent stopped while the run was in progress", Instant.now());
        marked.forEach(r -> say("run " + r.id() + " was interrupted; recovering"));
        // Runs an earlier replacement marked but may have died before recovering: theirs too (recovery
        // finds only what is still there), and a journal for those that have none yet.
        List<RunRecord> all = records.all();
        List<RunRecord> interrupted = all.stream()
                .filter(r -> r.state().equals(RunRecord.INTERRUPTED))
                .filter(r -> marked.stream().anyMatch(m -> m.id().equals(r.id()))
                        || !Files.exists(records.dir(r.id()).resolve(ReportFiles.JOURNAL)))
                .toList();
        Set<String> ids = new HashSet<>();
        all.stream().filter(r -> r.state().equals(RunRecord.INTERRUPTED)).forEach(r -> ids.add(r.id()));
        if (ids.isEmpty()) {
            return true;
        }
        Recovery.Report report = RecoverCommand.recoverEverything(
                access,
                lockNamespace,
                stateDir,
                deadline,
                reach,
                helpers,
                injectors,
                // An agent with injectors off made none, and may not list them.
                injectors.image().isPresent(),
                ids::contains);
        report.lines().forEach(this::say);
        journal(interrupted, report);
        return report.failures() == 0 && report.skipped() == 0;
    }

    /**
     * Waits while a run recorded as running still renews its run lock: it is alive (a former leader
     * stopping it, recovering its faults), and ends by itself. A dead run's lock lapses within
     * {@link RunLease#DURATION}. False when the agent stops meanwhile.
     */
    private boolean awaitNoLiveRun(BooleanSupplier stopping) throws Exception {
        boolean said = false;
        while (!stopping.getAsBoolean()) {
            // The lock first: the records are read only while some run holds it.
            Optional<RunLease.Holder> holder = RunLease.liveHolder(client, lockNamespace);
            if (holder.isEmpty() || !recordedAsUnfinished(holder.get().identity())) {
                return true;
            }
            if (!said) {
                say("run " + holder.get().identity() + " still renews its run lock; waiting until it ends or"
                        + " the lock lapses");
                said = true;
            }
            Thread.sleep(1_000);
        }
        return false;
    }

    private boolean recordedAsUnfinished(String runId) {
        return records.find(runId)
                .map(r -> r.state().equals(RunRecord.RUNNING) || r.state().equals(RunRecord.INTERRUPTED))
                .orElse(false);
    }

    /**
     * Each interrupted run gets a journal and report of what happened to it (written again after each
     * attempt, so the last one says how recovery ended). A journal the run wrote itself is kept.
     */
    private void journal(List<RunRecord> interrupted, Recovery.Report report) {
        for (RunRecord r : interrupted) {
            Path dir = records.dir(r.id());
            Path journal = dir.resolve(ReportFiles.JOURNAL);
            try {
                if (Files.exists(journal) && !Files.exists(dir.resolve(WRITTEN_BY_NEXT_AGENT))) {
                    continue;
                }
                // Marked first: a crash mid-write leaves a journal the next agent knows to rewrite.
                Files.createDirectories(dir);
                Files.writeString(dir.resolve(WRITTEN_BY_NEXT_AGENT), "");
                ReportFiles.writeAll(
                        InterruptedRunJournal.of(
                                new InterruptedRunJournal.Kept(
                                        r.id(), r.experiment(), r.target(), r.started(), r.ended(), r.reason()),
                                report,
                                Instant.now(),
                                agentVersion),
                        dir);
            } catch (java.io.IOException | RuntimeException e) {
                say("cannot write the journal of interrupted run " + r.id() + ": " + e.getMessage());
            }
        }
    }

    private void say(String line) {
        out.println("aftershock agent: " + line);
        out.flush();
    }
}
