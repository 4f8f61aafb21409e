package dev.aftershock.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RollbackLedgerTest {
    @Test
    void anUnreadableLedgerIsReportedAndSkippedNotFatal(@TempDir Path state) throws Exception {
        RollbackLedger good = RollbackLedger.open(state, "run-a", "e");
        good.record(new RollbackLedger.Entry("c", "node-cordon", "Node", null, "n1", "injected"));
        Files.writeString(state.resolve("runs/run-b.json"), "{ half a ledg");

        RollbackLedger.Scan scan = RollbackLedger.scan(state);

        assertThat(scan.unsettled()).extracting(RollbackLedger.Ledger::runId).containsExactly("run-a");
        assertThat(scan.unreadable()).singleElement().asString().contains("run-b.json");
    }

    @Test
    void aFailedRecoveryKeepsTheLedgerOpenAndWritesLeaveNoTemporaryFile(@TempDir Path state) {
        RollbackLedger l = RollbackLedger.open(state, "run-a", "e");
        l.record(new RollbackLedger.Entry("c", "node-cordon", "Node", null, "n1", "recovery-failed"));
        l.closeIfSettled();
        assertThat(RollbackLedger.scan(state).unsettled()).hasSize(1);
        assertThat(state.resolve("runs/run-a.json.tmp")).doesNotExist();

        l.record(new RollbackLedger.Entry("c", "node-cordon", "Node", null, "n1", "recovered"));
        l.closeIfSettled();
        assertThat(state.resolve("runs/run-a.json")).doesNotExist();
    }
}
