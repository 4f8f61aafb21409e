package dev.aftershock.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aftershock.model.Schedule;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The scheduler's decisions, against fakes of its own three interfaces (state, events, runs). */
class SchedulerTest {
    @TempDir
    Path experiments;

    private final Map<String, Scheduler.Stored> stored = new HashMap<>();
    private final List<String> events = new ArrayList<>();
    private final List<String> submitted = new ArrayList<>();
    private final List<String> skipped = new ArrayList<>();
    private final List<String> deleted = new ArrayList<>();
    private final List<String> ended = new ArrayList<>();
    private Optional<String> running = Optional.empty();
    private boolean stopped;
    private int version;
    private boolean conflict;

    private final Scheduler.State state = new Scheduler.State() {
        @Override
        public Optional<Scheduler.Stored> read(String schedule) {
            return Optional.ofNullable(stored.get(schedule));
        }

        @Override
        public boolean write(String schedule, Scheduler.Stored next, Scheduler.Stored seen) {
            if (conflict || !java.util.Objects.equals(stored.get(schedule), seen)) {
                return false;
            }
            stored.put(schedule, new Scheduler.Stored(next.lastActedOn(), next.suspended(), "v" + ++version));
            return true;
        }
    };

    private final Scheduler.Runs runs = new Scheduler.Runs() {
        @Override
        public Optional<String> inProgress() {
            return running;
        }

        @Override
        public RunService.Submission submit(String name, byte[] yaml, String runId) {
            submitted.add(runId);
            return new RunService.Submission.Accepted(runId);
        }

        @Override
        public void stop(String why) {
            stopped = true;
            running = Optional.empty();
        }

        @Override
        public void recordSkipped(String id, String experiment, String outcome, Instant scheduled, String why) {
            skipped.add(id + " " + outcome + ": " + why);
        }

        @Override
        public List<String> ended(String schedule) {
            return ended;
        }

        @Override
        public void delete(String id) {
            deleted.add(id);
        }
    };

    @BeforeEach
    void experiment() throws Exception {
        Files.writeString(experiments.resolve("kill.yaml"), "kind: Experiment\n");
    }

    private Scheduler scheduler(Schedule.ConcurrencyPolicy policy, int keep) {
        Schedule s = new Schedule(
                "nightly",
                null,
                "kill.yaml",
                "*/1 * * * *",
                ZoneId.of("UTC"),
                policy,
                Duration.ofSeconds(30),
                false,
                keep);
        return new Scheduler(List.of(s), experiments, state, (name, reason, message) -> events.add(reason), runs);
    }

    private static Instant t(String time) {
        return Instant.parse("2026-11-29T" + time + "Z");
    }

    @Test
    void aScheduleStartsEachScheduledTimeOnceNamedAfterIt() throws Exception {
        Scheduler scheduler = scheduler(Schedule.ConcurrencyPolicy.FORBID, 10);

        scheduler.tick(t("10:00:30"));
        assertThat(submitted).as("first seen: nothing from before").isEmpty();
        scheduler.tick(t("10:01:01"));
        scheduler.tick(t("10:01:02"));
        scheduler.tick(t("10:02:00"));

        assertThat(submitted).containsExactly("nightly-20261129-1001", "nightly-20261129-1002");
        assertThat(events).containsExactly("ScheduleSpawned", "ScheduleSpawned");
    }

    @Test
    void forbidRecordsTheStartAsForbiddenWhileARunGoesOn() throws Exception {
        Scheduler scheduler = scheduler(Schedule.ConcurrencyPolicy.FORBID, 10);
        scheduler.tick(t("10:00:30"));
        running = Optional.of("nightly-20261129-1000");

        scheduler.tick(t("10:01:00"));

        assertThat(submitted).isEmpty();
        assertThat(skipped)
                .containsExactly("nightly-20261129-1001 forbidden: run nightly-20261129-1000 was still in progress"
                        + " (concurrencyPolicy Forbid)");
        assertThat(events).containsExactly("ScheduleForbidden");
    }

    @Test
    void replaceStopsTheRunningOneFirst() throws Exception {
        Scheduler scheduler = scheduler(Schedule.ConcurrencyPolicy.REPLACE, 10);
        scheduler.tick(t("10:00:30"));
        running = Optional.of("other-run");

        scheduler.tick(t("10:01:00"));

        assertThat(stopped).isTrue();
        assertThat(submitted).containsExactly("nightly-20261129-1001");
    }

    @Test
    void aStartLaterThanTheDeadlineIsRecordedAsMissed() throws Exception {
        Scheduler scheduler = scheduler(Schedule.ConcurrencyPolicy.FORBID, 10);
        scheduler.tick(t("10:00:30"));

        // The agent was down from 10:00:30 to 10:01:45: 10:01 is 45 s late, beyond the 30 s deadline.
        scheduler.tick(t("10:01:45"));

        assertThat(submitted).isEmpty();
        assertThat(skipped).singleElement().asString().startsWith("nightly-20261129-1001 missed: ");
        assertThat(events).containsExactly("ScheduleMissed");
        scheduler.tick(t("10:01:50"));
        assertThat(skipped).hasSize(1);
    }

    @Test
    void aTimeSomeoneElseClaimedFirstIsNotStartedHere() throws Exception {
        Scheduler scheduler = scheduler(Schedule.ConcurrencyPolicy.FORBID, 10);
        scheduler.tick(t("10:00:30"));
        conflict = true;

        scheduler.tick(t("10:01:00"));

        assertThat(submitted).isEmpty();
        assertThat(skipped).isEmpty();
    }

    @Test
    void aSuspendedScheduleStartsNothingUntilResumed() throws Exception {
        Scheduler scheduler = scheduler(Schedule.ConcurrencyPolicy.FORBID, 10);
        scheduler.tick(t("10:00:30"));

        assertThat(scheduler.suspend("nightly", true)).isTrue();
        scheduler.tick(t("10:01:00"));
        assertThat(submitted).isEmpty();
        assertThat(scheduler.list(t("10:01:00")))
                .singleElement()
                .satisfies(v -> assertThat(v.suspended()).isTrue());

        assertThat(scheduler.suspend("nightly", false)).isTrue();
        scheduler.tick(t("10:01:10"));
        assertThat(submitted).containsExactly("nightly-20261129-1001");
        assertThat(scheduler.suspend("other", true)).isFalse();
    }

    @Test
    void finishedRunsBeyondTheLimitAreDeleted() throws Exception {
        Scheduler scheduler = scheduler(Schedule.ConcurrencyPolicy.FORBID, 2);
        ended.addAll(List.of("nightly-20261129-0959", "nightly-20261129-0958", "nightly-20261129-0957"));
        scheduler.tick(t("10:00:30"));

        scheduler.tick(t("10:01:00"));

        assertThat(deleted).containsExactly("nightly-20261129-0957");
    }

    @Test
    void aTriggerStartsNowUnderItsOwnName() throws Exception {
        Scheduler scheduler = scheduler(Schedule.ConcurrencyPolicy.FORBID, 10);

        assertThat(scheduler.trigger("nightly", t("10:00:30"))).hasValue("nightly-20261129-100030-now");
        assertThat(submitted).containsExactly("nightly-20261129-100030-now");
        assertThat(scheduler.trigger("other", t("10:00:30"))).isEmpty();
    }
}
