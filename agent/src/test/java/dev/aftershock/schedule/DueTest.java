package dev.aftershock.schedule;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aftershock.model.Schedule;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class DueTest {
    private static Schedule schedule(String cron, String zone, Duration deadline, boolean suspend) {
        return new Schedule(
                "nightly",
                null,
                "drain.yaml",
                cron,
                ZoneId.of(zone),
                Schedule.ConcurrencyPolicy.FORBID,
                deadline,
                suspend,
                10);
    }

    private static Due at(Schedule s, String lastActedOn, String now) {
        return Due.at(s, CronTimes.of(s.cron(), s.timeZone()), Instant.parse(lastActedOn), Instant.parse(now));
    }

    @Test
    void aTimeThatHasComeStartsOnceAndThenWaitsForTheNext() {
        Schedule everyMinute = schedule("*/1 * * * *", "UTC", Duration.ofMinutes(5), false);

        assertThat(at(everyMinute, "2026-11-29T10:00:00Z", "2026-11-29T10:01:02Z"))
                .isEqualTo(new Due.Start(Instant.parse("2026-11-29T10:01:00Z")));
        assertThat(at(everyMinute, "2026-11-29T10:01:00Z", "2026-11-29T10:01:30Z"))
                .isEqualTo(new Due.Wait(Optional.of(Instant.parse("2026-11-29T10:02:00Z"))));
    }

    @Test
    void aScheduleFirstSeenNeverStartsATimeFromBeforeIt() {
        Schedule everyMinute = schedule("*/1 * * * *", "UTC", Duration.ofMinutes(5), false);

        assertThat(at(everyMinute, "2026-11-29T10:01:30Z", "2026-11-29T10:01:30Z"))
                .isInstanceOf(Due.Wait.class);
    }

    @Test
    void aTimeMissedWhileTheAgentWasDownStartsWithinTheDeadlineAndIsMissedAfterIt() {
        Schedule nightly = schedule("30 2 * * *", "UTC", Duration.ofMinutes(10), false);

        assertThat(at(nightly, "2026-11-28T02:30:00Z", "2026-11-29T02:39:00Z"))
                .isEqualTo(new Due.Start(Instant.parse("2026-11-29T02:30:00Z")));
        assertThat(at(nightly, "2026-11-28T02:30:00Z", "2026-11-29T02:41:00Z"))
                .isEqualTo(new Due.Missed(Instant.parse("2026-11-29T02:30:00Z"), Duration.ofMinutes(11)));
    }

    @Test
    void timesAreTheTimeZonesOwnAcrossItsDaylightSavingChange() {
        // 02:30 in Berlin is 01:30 UTC in winter; on 2026-03-29 the clocks skip from 02:00 to 03:00.
        Schedule berlin = schedule("30 2 * * *", "Europe/Berlin", Duration.ofMinutes(10), false);

        assertThat(at(berlin, "2026-11-28T01:30:00Z", "2026-11-29T01:31:00Z"))
                .isEqualTo(new Due.Start(Instant.parse("2026-11-29T01:30:00Z")));
    }

    @Test
    void aSuspendedScheduleStartsNothing() {
        Schedule suspended = schedule("*/1 * * * *", "UTC", Duration.ofMinutes(5), true);

        assertThat(at(suspended, "2026-11-29T10:00:00Z", "2026-11-29T10:01:02Z"))
                .isInstanceOf(Due.Wait.class);
    }

    @Test
    void aScheduledTimeNamesItsRunSoItCannotStartTwice() {
        Schedule s = schedule("30 2 * * *", "Europe/Berlin", Duration.ofMinutes(10), false);

        assertThat(Due.runId(s, Instant.parse("2026-11-29T01:30:00Z"))).isEqualTo("nightly-20261129-0130");
        assertThat(Due.runId(s, Instant.parse("2026-11-29T01:30:00Z")))
                .isEqualTo(Due.runId(s, Instant.parse("2026-11-29T01:30:00Z")));
    }
}
