package dev.aftershock.validation;

import dev.aftershock.model.Durations;
import dev.aftershock.model.Schedule;
import dev.aftershock.schedule.CronTimes;
import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import tools.jackson.databind.JsonNode;

/**
 * Reads and checks one schedule file as experiments are checked: YAML safety, the JSON Schema
 * ({@code experiments/schema/schedule.schema.json}), then meaning: the cron expression (read by
 * cron-utils) and the time zone (an IANA name Java knows). Every problem says {@code file:line:col};
 * a schedule is refused, never skipped.
 */
public final class ScheduleLoader {
    public sealed interface Result {}

    public record Loaded(Schedule schedule) implements Result {}

    public record Rejected(List<Problem> problems) implements Result {
        public Rejected {
            problems = problems.stream().sorted().toList();
        }
    }

    private ScheduleLoader() {}

    /** Whether a document declares itself a schedule ({@code kind: Schedule}), so `validate` can tell. */
    public static boolean isSchedule(byte[] bytes) {
        var read = new YamlDocumentReader("peek").read(bytes);
        return read instanceof YamlDocumentReader.Parsed parsed
                && "Schedule".equals(parsed.root().path("kind").asString(""));
    }

    public static Result load(String file, byte[] bytes) {
        var read = new YamlDocumentReader(file).read(bytes);
        if (read instanceof YamlDocumentReader.Refused refused) {
            return new Rejected(refused.problems());
        }
        var parsed = (YamlDocumentReader.Parsed) read;
        JsonNode root = parsed.root();
        SourceMap where = parsed.sourceMap();
        List<Problem> problems = SchemaCheck.SCHEDULE.problems(file, root, where);
        if (!problems.isEmpty()) {
            return new Rejected(problems);
        }
        JsonNode spec = root.path("spec");
        List<Problem> meaning = new ArrayList<>();
        String cron = spec.path("cron").asString();
        CronTimes.problem(cron).ifPresent(why -> meaning.add(at(file, where, "cron", "not a cron expression: " + why)));
        ZoneId zone = ZoneId.of("UTC");
        String timeZone = spec.path("timeZone").asString("UTC");
        try {
            zone = ZoneId.of(timeZone);
        } catch (DateTimeException e) {
            meaning.add(at(
                    file,
                    where,
                    "timeZone",
                    "unknown time zone '%s' (expected an IANA name such as UTC or Europe/Berlin)".formatted(timeZone)));
        }
        Duration deadline = Durations.parse(spec.path("startingDeadline").asString("5m"));
        if (deadline.isZero()) {
            meaning.add(at(file, where, "startingDeadline", "must be longer than 0s"));
        }
        if (!meaning.isEmpty()) {
            return new Rejected(meaning);
        }
        return new Loaded(new Schedule(
                root.path("metadata").path("name").asString(),
                root.path("metadata").path("description").asString(null),
                spec.path("experiment").asString(),
                cron,
                zone,
                Schedule.ConcurrencyPolicy.valueOf(
                        spec.path("concurrencyPolicy").asString("Forbid").toUpperCase(Locale.ROOT)),
                deadline,
                spec.path("suspend").asBoolean(false),
                spec.path("keepFinished").asInt(10)));
    }

    public static Result load(String file, String yaml) {
        return load(file, yaml.getBytes(StandardCharsets.UTF_8));
    }

    private static Problem at(String file, SourceMap where, String field, String message) {
        Pointer pointer = Pointer.of("spec", field);
        Position p = where.valueAt(pointer);
        return new Problem(file, p.line(), p.column(), pointer.dotted() + ": " + message);
    }
}
