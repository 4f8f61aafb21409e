package dev.aftershock.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunRecordsTest {
    @TempDir
    Path root;

    @Test
    void recordsSurviveAndRunsLeftRunningAreMarkedInterrupted() throws Exception {
        RunRecords records = new RunRecords(root);
        Instant t = Instant.parse("2026-11-29T01:00:00Z");
        records.save(new RunRecord(
                "a-1", "a", "ns/deployment/a", RunRecord.FINISHED, "failed", 1, t, t.plusSeconds(60), null));
        records.save(new RunRecord(
                "b-2", "b", "ns/deployment/b", RunRecord.RUNNING, null, null, t.plusSeconds(120), null, null));
        Files.createDirectories(root.resolve("c-3"));
        Files.writeString(root.resolve("c-3/run.json"), "{not json");

        RunRecords again = new RunRecords(root);
        assertThat(again.all()).extracting(RunRecord::id).containsExactly("b-2", "a-1");
        assertThat(again.markInterrupted("the agent stopped", t.plusSeconds(200)))
                .extracting(RunRecord::id)
                .containsExactly("b-2");
        RunRecord b = again.find("b-2").orElseThrow();
        assertThat(b.state()).isEqualTo(RunRecord.INTERRUPTED);
        assertThat(b.outcome()).isEqualTo("aborted");
        assertThat(b.exitCode()).isEqualTo(3);
        assertThat(b.reason()).isEqualTo("the agent stopped");
        assertThat(again.markInterrupted("again", t)).isEmpty();
    }

    @Test
    void anIdCannotLeaveTheRecordsDirectory() throws Exception {
        Files.writeString(root.getParent().resolve("run.json"), "{}");
        RunRecords records = new RunRecords(root);
        assertThat(records.find("..")).isEmpty();
        assertThat(records.find("../x")).isEmpty();
        assertThat(records.find(".hidden")).isEmpty();
    }
}
