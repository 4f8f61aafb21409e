package dev.aftershock.validation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aftershock.model.Schedule;
import java.time.Duration;
import java.time.ZoneId;
import org.junit.jupiter.api.Test;

class ScheduleLoaderTest {
    private static ScheduleLoader.Result load(String spec) {
        return ScheduleLoader.load("nightly.yaml", """
                apiVersion: aftershock.dev/v1alpha1
                kind: Schedule
                metadata: {name: nightly}
                spec:
                %s
                """.formatted(spec.indent(2).stripTrailing()));
    }

    @Test
    void aScheduleWithItsDefaults() {
        var loaded = load("experiment: drain.yaml\ncron: \"30 2 * * *\"");

        assertThat(loaded).isInstanceOf(ScheduleLoader.Loaded.class);
        Schedule s = ((ScheduleLoader.Loaded) loaded).schedule();
        assertThat(s.timeZone()).isEqualTo(ZoneId.of("UTC"));
        assertThat(s.concurrencyPolicy()).isEqualTo(Schedule.ConcurrencyPolicy.FORBID);
        assertThat(s.startingDeadline()).isEqualTo(Duration.ofMinutes(5));
        assertThat(s.suspend()).isFalse();
        assertThat(s.keepFinished()).isEqualTo(10);
    }

    @Test
    void aBadCronExpressionAndAnUnknownTimeZoneAreRefusedWithTheirPlaceAndReason() {
        var loaded = load("experiment: drain.yaml\ncron: \"61 2 * * *\"\ntimeZone: Mars/Olympus_Mons");

        assertThat(loaded).isInstanceOf(ScheduleLoader.Rejected.class);
        assertThat(((ScheduleLoader.Rejected) loaded).problems())
                .extracting(Problem::toString)
                .satisfiesExactly(
                        cron -> assertThat(cron).startsWith("nightly.yaml:6:9: spec.cron: not a cron expression: "),
                        zone -> assertThat(zone)
                                .isEqualTo("nightly.yaml:7:13: spec.timeZone: unknown time zone 'Mars/Olympus_Mons'"
                                        + " (expected an IANA name such as UTC or Europe/Berlin)"));
    }

    @Test
    void theSchemaNamesWhatIsWrongAsForExperiments() {
        var loaded = load("experiment: drain.yaml\ncron: \"* * * * *\"\nconcurrencyPolicy: Sometimes\nkeepFinshed: 3");

        assertThat(((ScheduleLoader.Rejected) loaded).problems())
                .extracting(Problem::toString)
                .anySatisfy(p -> assertThat(p).contains("spec.concurrencyPolicy: expected Forbid, Allow or Replace"))
                .anySatisfy(p -> assertThat(p).contains("unknown field 'keepFinshed' (did you mean 'keepFinished'?)"));
    }

    @Test
    void onlyAScheduleSaysItIsOne() {
        assertThat(ScheduleLoader.isSchedule("kind: Schedule\n".getBytes())).isTrue();
        assertThat(ScheduleLoader.isSchedule("kind: Experiment\n".getBytes())).isFalse();
        assertThat(ScheduleLoader.isSchedule("- not a mapping\n".getBytes())).isFalse();
    }
}
