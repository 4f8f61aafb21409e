package dev.aftershock.run;

import dev.aftershock.journal.AbortRecord;
import dev.aftershock.journal.ExperimentInfo;
import dev.aftershock.journal.Journal;
import dev.aftershock.journal.RollbackRecord;
import dev.aftershock.journal.RunInfo;
import dev.aftershock.journal.TimelineEvent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The journal of a run whose agent died while it ran, as the next agent writes it. What the dead
 * agent measured went with it, so this journal holds only what outlived it (the run's record: its
 * experiment, target and start) and what the next agent did about it (recovering what the run left).
 * It has no hypotheses and its outcome is aborted, exit code 3: never a pass.
 */
public final class InterruptedRunJournal {
    /** The abort condition such a run ends with. */
    public static final String CONDITION = "agent-stopped";

    private InterruptedRunJournal() {}

    /** What the run's record kept of it; {@code target} is {@code namespace/kind/name} or null. */
    public record Kept(
            String runId, String experiment, String target, Instant started, Instant interrupted, String why) {}

    public static Journal of(Kept run, Recovery.Report recovery, Instant now, String agentVersion) {
        long interruptedAt =
                Math.max(0, run.interrupted().toEpochMilli() - run.started().toEpochMilli());
        long recoveredAt =
                Math.max(interruptedAt, now.toEpochMilli() - run.started().toEpochMilli());
        List<TimelineEvent> events = new ArrayList<>();
        events.add(new TimelineEvent(interruptedAt, "agent", "interrupted", run.runId(), run.why()));
        for (String line : recovery.lines()) {
            events.add(new TimelineEvent(recoveredAt, "recovery", "recovery", run.runId(), line));
        }
        int left = recovery.failures() + recovery.skipped();
        String target = run.target() == null ? "unknown/unknown" : run.target();
        int slash = target.indexOf('/');
        return new Journal(
                Journal.FORMAT,
                new RunInfo(run.runId(), run.started(), now, RunInfo.Outcome.ABORTED, 3, false, agentVersion),
                new ExperimentInfo(
                        run.experiment(),
                        "The agent running this experiment stopped while it ran, and what it measured was lost"
                                + " with it. This journal records what the next agent found and put back.",
                        Map.of(),
                        null,
                        0,
                        0,
                        slash < 0 ? target : target.substring(0, slash),
                        slash < 0 ? "unknown" : target.substring(slash + 1),
                        null),
                null,
                List.of(),
                null,
                null,
                List.of(),
                events,
                List.of(),
                new AbortRecord(interruptedAt, CONDITION, run.why()),
                new RollbackRecord(
                        "by the next agent",
                        true,
                        recovery.recovered(),
                        left,
                        left == 0
                                ? "the next agent recovered what the run left (%d change(s))"
                                        .formatted(recovery.recovered())
                                : "%d change(s) not recovered yet: the agent retries; `aftershock recover` does it too"
                                        .formatted(left)));
    }
}
