package dev.aftershock.run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aftershock.journal.TargetRecord;
import org.junit.jupiter.api.Test;

/** The per-target rules that keep the cluster safe when the timeline, a `for`, an abort and a signal race. */
class TargetStateTest {
    @Test
    void anInjectedTargetIsRecoveredOnceAndNeverFlipsBack() {
        TargetState s = new TargetState();
        assertThat(s.beginInjection(false)).isTrue();
        assertThat(s.endInjection(true, true)).isFalse();
        assertThat(s.beginRecovery()).isTrue();
        assertThat(s.beginRecovery()).as("a second recoverer finds it taken").isFalse();
        s.endRecovery(true);
        assertThat(s.journalState()).isEqualTo(TargetRecord.State.RECOVERED);
        assertThat(s.beginRecovery()).isFalse();
        assertThat(s.beginInjection(false)).as("never injected again").isFalse();
        assertThat(s.journalState()).isEqualTo(TargetRecord.State.RECOVERED);
        assertThat(s.unrecovered()).isFalse();
    }

    @Test
    void aRecoveryAskedForDuringTheInjectionHappensWhenItReturns() {
        TargetState s = new TargetState();
        s.beginInjection(false);
        assertThat(s.beginRecovery())
                .as("the injector recovers, not the caller")
                .isFalse();
        assertThat(s.endInjection(true, true)).as("recover now").isTrue();
        assertThat(s.beginRecovery()).isTrue();
        s.endRecovery(true);
        assertThat(s.journalState()).isEqualTo(TargetRecord.State.RECOVERED);
    }

    @Test
    void aTargetNotYetInjectedWhenTheRunStopsIsNeverInjected() {
        TargetState stopped = new TargetState();
        assertThat(stopped.beginInjection(true)).isFalse();
        TargetState recovered = new TargetState();
        recovered.beginRecovery();
        assertThat(recovered.beginInjection(false))
                .as("its fault's `for` already ended")
                .isFalse();
        assertThat(recovered.unrecovered()).isFalse();
    }

    @Test
    void aFailedInjectionThatChangedTheClusterIsUndoneAndStaysAFailure() {
        TargetState s = new TargetState();
        s.beginInjection(false);
        assertThat(s.endInjection(false, true)).isTrue();
        assertThat(s.ledgerState()).as("recover must still act on it").isEqualTo("injected");
        assertThat(s.beginRecovery()).isTrue();
        s.endRecovery(true);
        assertThat(s.journalState()).isEqualTo(TargetRecord.State.INJECTION_FAILED);
        assertThat(s.ledgerState()).isEqualTo("injection-failed");
    }

    @Test
    void aFailedRecoveryLeavesTheTargetOpenForRecover() {
        TargetState s = new TargetState();
        s.beginInjection(false);
        s.endInjection(true, true);
        s.beginRecovery();
        s.endRecovery(false);
        assertThat(s.journalState()).isEqualTo(TargetRecord.State.RECOVERY_FAILED);
        assertThat(s.unrecovered()).isTrue();
        assertThat(RollbackLedger.OPEN).contains(s.ledgerState());
    }

    @Test
    void aKillNeedsNoRecoveryAndASkipIsFinal() {
        TargetState kill = new TargetState();
        kill.beginInjection(false);
        assertThat(kill.endInjection(true, false)).isFalse();
        assertThat(kill.beginRecovery()).isFalse();
        assertThat(kill.journalState()).isEqualTo(TargetRecord.State.NOT_RECOVERABLE);
        TargetState skipped = new TargetState();
        assertThat(skipped.skip()).isTrue();
        assertThat(skipped.beginInjection(false)).isFalse();
        assertThat(skipped.journalState()).isEqualTo(TargetRecord.State.SKIPPED);
    }
}
