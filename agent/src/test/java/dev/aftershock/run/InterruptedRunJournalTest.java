package dev.aftershock.run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aftershock.journal.Journal;
import dev.aftershock.journal.JournalCodec;
import dev.aftershock.journal.RunInfo;
import dev.aftershock.report.HtmlReport;
import dev.aftershock.report.JUnitReport;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class InterruptedRunJournalTest {
    private static final Instant STARTED = Instant.parse("2026-11-29T10:00:00Z");
    private static final InterruptedRunJournal.Kept KEPT = new InterruptedRunJournal.Kept(
            "orphaned-cordon-1",
            "orphaned-cordon",
            "team-a/deployment/web",
            STARTED,
            STARTED.plusSeconds(20),
            "the agent stopped while the run was in progress");

    @Test
    void aRunWhoseAgentDiedIsAbortedNeverPassedAndSaysWhatTheNextAgentPutBack() {
        Recovery.Report recovery = new Recovery.Report(List.of("node kwok-node-1: uncordoned"), 1, 0, 0);

        Journal j = InterruptedRunJournal.of(KEPT, recovery, STARTED.plusSeconds(50), "0.1.0");

        assertThat(j.run().outcome()).isEqualTo(RunInfo.Outcome.ABORTED);
        assertThat(j.run().exitCode()).isEqualTo(3);
        assertThat(j.hypotheses()).isEmpty();
        assertThat(j.abort().condition()).isEqualTo(InterruptedRunJournal.CONDITION);
        assertThat(j.abort().t()).isEqualTo(20_000);
        assertThat(j.experiment().targetNamespace()).isEqualTo("team-a");
        assertThat(j.experiment().targetWorkload()).isEqualTo("deployment/web");
        assertThat(j.rollback().recovered()).isEqualTo(1);
        assertThat(j.rollback().failed()).isZero();
        assertThat(j.events())
                .extracting(e -> e.message())
                .containsExactly("the agent stopped while the run was in progress", "node kwok-node-1: uncordoned");

        // It is a journal like any other: it reads back, and both renderings take it.
        Journal read = JournalCodec.fromJson(JournalCodec.toJson(j), "test");
        assertThat(read).isEqualTo(j);
        assertThat(HtmlReport.render(j))
                .contains("the agent stopped while the run was in progress")
                .contains("node kwok-node-1: uncordoned")
                .contains("not recorded (the agent that ran this stopped during the run)");
        assertThat(JUnitReport.render(j)).contains("agent-stopped");
    }

    @Test
    void whatIsNotRecoveredYetIsCountedAndNamed() {
        Recovery.Report recovery = new Recovery.Report(List.of("node kwok-node-1: cannot uncordon: 403"), 0, 1, 0);

        Journal j = InterruptedRunJournal.of(
                new InterruptedRunJournal.Kept("r-1", "r", null, STARTED, STARTED, "gone"),
                recovery,
                STARTED.plusSeconds(5),
                "0.1.0");

        assertThat(j.rollback().failed()).isEqualTo(1);
        assertThat(j.rollback().message()).contains("not recovered yet");
        assertThat(j.experiment().targetNamespace()).isEqualTo("unknown");
    }
}
