package dev.aftershock.api;

import dev.aftershock.model.Schedule;
import dev.aftershock.schedule.CronTimes;
import dev.aftershock.schedule.Due;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The agent's schedules: at each scheduled time it starts the schedule's experiment, or records why
 * not. What it acted on last is kept in the cluster ({@link State}, written only if nobody wrote since
 * it was read), and each run is named after its scheduled time, so a retry after a crash cannot start
 * a scheduled time twice. Concurrency as CronJob's: Forbid records the start as forbidden while a run
 * goes on, Replace aborts that run (it recovers its faults first) and starts, Allow starts where the
 * run lock lets it. A start later than {@code startingDeadline} is recorded as missed. Each outcome is
 * also a Kubernetes Event ({@code ScheduleSpawned}, {@code ScheduleForbidden}, {@code ScheduleMissed}).
 */
public final class Scheduler {
    /** What the agent acted on last for each schedule, and whether it is suspended; kept in the cluster. */
    public interface State {
        Optional<Stored> read(String schedule);

        /** Writes {@code next} if the stored state is still {@code seen} (null: none yet); false if not. */
        boolean write(String schedule, Stored next, Stored seen);
    }

    /** @param version the store's version of what was read (null for what is not stored yet) */
    public record Stored(Instant lastActedOn, boolean suspended, String version) {
        Stored actedOn(Instant at) {
            return new Stored(at, suspended, version);
        }

        Stored suspended(boolean suspend) {
            return new Stored(lastActedOn, suspend, version);
        }
    }

    /** Where the story of each schedule is told ({@code kubectl get events}). */
    public interface Events {
        void record(String schedule, String reason, String message);
    }

    /** The runs: RunService in the agent; a fake in unit tests of these decisions. */
    public interface Runs {
        Optional<String> inProgress();

        RunService.Submission submit(String name, byte[] yaml, String runId) throws Exception;

        void stop(String why) throws InterruptedException;

        void recordSkipped(String id, String experiment, String outcome, Instant scheduled, String why);

        /** Runs of this schedule that have ended, newest first (retention). */
        List<String> ended(String schedule);

        void delete(String id);
    }

    /** A schedule as the API lists it. */
    public record View(
            String name,
            String experiment,
            String cron,
            String timeZone,
            String concurrencyPolicy,
            boolean suspended,
            Instant lastScheduled,
            Instant next) {}

    private record Entry(Schedule schedule, CronTimes times, Path experiment) {}

    private final Map<String, Entry> schedules = new LinkedHashMap<>();
    private final State state;
    private final Events events;
    private final Runs runs;

    public Scheduler(List<Schedule> schedules, Path experimentsDir, State state, Events events, Runs runs) {
        for (Schedule s : schedules) {
            this.schedules.put(
                    s.name(),
                    new Entry(s, CronTimes.of(s.cron(), s.timeZone()), experimentsDir.resolve(s.experiment())));
        }
        this.state = state;
        this.events = events;
        this.runs = runs;
    }

    /** Acts on every schedule whose time has come; called every few seconds by the agent. */
    public void tick(Instant now) throws Exception {
        for (Entry e : schedules.values()) {
            Optional<Stored> stored = state.read(e.schedule().name());
            if (stored.isEmpty()) {
                // First seen now: a time from before the schedule existed is never started.
                state.write(e.schedule().name(), new Stored(now, e.schedule().suspend(), null), null);
                continue;
            }
            Stored seen = stored.get();
            Schedule effective = withSuspend(e.schedule(), seen.suspended());
            switch (Due.at(effective, e.times(), seen.lastActedOn(), now)) {
                case Due.Wait w -> {}
                case Due.Missed m -> {
                    if (state.write(e.schedule().name(), seen.actedOn(m.scheduled()), seen)) {
                        missed(e, m);
                    }
                }
                case Due.Start s -> {
                    // Claimed first: whoever wrote first starts it, and a crash after this skips it.
                    if (state.write(e.schedule().name(), seen.actedOn(s.scheduled()), seen)) {
                        start(e, Due.runId(e.schedule(), s.scheduled()), s.scheduled());
                    }
                }
            }
        }
    }

    /** Starts the schedule's experiment now, outside its times (the API's trigger). */
    public Optional<String> trigger(String name, Instant now) throws Exception {
        Entry e = schedules.get(name);
        if (e == null) {
            return Optional.empty();
        }
        String id = e.schedule().name() + "-"
                + DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")
                        .withZone(ZoneOffset.UTC)
                        .format(now)
                + "-now";
        start(e, id, now);
        return Optional.of(id);
    }

    /** Suspends or resumes a schedule (kept in the cluster, so it outlives the agent); false if unknown. */
    public boolean suspend(String name, boolean suspend) {
        if (!schedules.containsKey(name)) {
            return false;
        }
        for (int attempt = 0; attempt < 5; attempt++) {
            Optional<Stored> seen = state.read(name);
            Stored next = seen.map(s -> s.suspended(suspend)).orElse(new Stored(Instant.now(), suspend, null));
            if (state.write(name, next, seen.orElse(null))) {
                events.record(name, suspend ? "ScheduleSuspended" : "ScheduleResumed", "by the agent's API");
                return true;
            }
        }
        throw new IllegalStateException("the state of schedule " + name + " kept changing; try again");
    }

    public List<View> list(Instant now) {
        List<View> views = new ArrayList<>();
        for (Entry e : schedules.values()) {
            Optional<Stored> stored = state.read(e.schedule().name());
            boolean suspended =
                    stored.map(Stored::suspended).orElse(e.schedule().suspend());
            views.add(new View(
                    e.schedule().name(),
                    e.schedule().experiment(),
                    e.schedule().cron(),
                    e.schedule().timeZone().getId(),
                    e.schedule().concurrencyPolicy().word(),
                    suspended,
                    stored.map(Stored::lastActedOn).orElse(null),
                    suspended ? null : e.times().nextAfter(now).orElse(null)));
        }
        return views;
    }

    private void start(Entry e, String id, Instant scheduled) throws Exception {
        Schedule s = e.schedule();
        Optional<String> running = runs.inProgress();
        if (running.isPresent()) {
            switch (s.concurrencyPolicy()) {
                case FORBID -> {
                    forbidden(
                            e,
                            id,
                            scheduled,
                            "run " + running.get() + " was still in progress (concurrencyPolicy Forbid)");
                    return;
                }
                case REPLACE -> runs.stop("schedule " + s.name() + " replaces it (concurrencyPolicy Replace)");
                case ALLOW -> {}
            }
        }
        byte[] yaml;
        try {
            yaml = Files.readAllBytes(e.experiment());
        } catch (java.io.IOException ex) {
            forbidden(e, id, scheduled, "cannot read experiment " + s.experiment() + ": " + ex.getMessage());
            return;
        }
        switch (runs.submit(s.experiment(), yaml, id)) {
            case RunService.Submission.Accepted a ->
                events.record(s.name(), "ScheduleSpawned", "started run %s for %s".formatted(a.id(), scheduled));
            case RunService.Submission.Busy b -> {
                if (!b.holder().equals(id)) {
                    forbidden(e, id, scheduled, "run " + b.holder() + " held the run lock");
                }
            }
            case RunService.Submission.Invalid i ->
                forbidden(e, id, scheduled, "the experiment is not valid: " + String.join("; ", i.problems()));
        }
        keep(s);
    }

    private void forbidden(Entry e, String id, Instant scheduled, String why) {
        runs.recordSkipped(id, e.schedule().experiment(), RunRecord.FORBIDDEN, scheduled, why);
        events.record(e.schedule().name(), "ScheduleForbidden", "did not start %s: %s".formatted(id, why));
    }

    private void missed(Entry e, Due.Missed m) {
        String id = Due.runId(e.schedule(), m.scheduled());
        String why = "the start at %s came %ds late, beyond startingDeadline %ds"
                .formatted(
                        m.scheduled(),
                        m.late().toSeconds(),
                        e.schedule().startingDeadline().toSeconds());
        runs.recordSkipped(id, e.schedule().experiment(), RunRecord.MISSED, m.scheduled(), why);
        events.record(e.schedule().name(), "ScheduleMissed", "did not start %s: %s".formatted(id, why));
        keep(e.schedule());
    }

    /** Retention: the schedule's ended runs beyond {@code keepFinished} go, with their reports. */
    private void keep(Schedule s) {
        List<String> ended = runs.ended(s.name());
        for (String id : ended.subList(Math.min(ended.size(), s.keepFinished()), ended.size())) {
            runs.delete(id);
        }
    }

    private static Schedule withSuspend(Schedule s, boolean suspended) {
        return new Schedule(
                s.name(),
                s.description(),
                s.experiment(),
                s.cron(),
                s.timeZone(),
                s.concurrencyPolicy(),
                s.startingDeadline(),
                suspended,
                s.keepFinished());
    }
}
