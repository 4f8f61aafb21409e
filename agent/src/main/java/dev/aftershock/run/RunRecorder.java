package dev.aftershock.run;

import dev.aftershock.journal.Measurement;
import dev.aftershock.journal.TargetRecord;
import dev.aftershock.journal.TimelineEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Collects, on the run's one clock, what happens while the run goes on: every target's state and
 * measurements, and timeline events. Threads of the timeline write here concurrently.
 */
final class RunRecorder {
    private final Instant created;
    private volatile Instant start;
    private final Map<String, Target> targets = new LinkedHashMap<>();
    private final List<TimelineEvent> events = new ArrayList<>();

    /** A target's record while the run goes on. */
    static final class Target {
        final String fault;
        final String kind;
        final String namespace;
        final String name;
        final TargetState lifecycle = new TargetState();
        Long injectedAt;
        Long recoveredAt;
        String message;
        final List<Measurement> measurements = new ArrayList<>();

        Target(String fault, String kind, String namespace, String name) {
            this.fault = fault;
            this.kind = kind;
            this.namespace = namespace;
            this.name = name;
        }

        TargetRecord toRecord() {
            return new TargetRecord(
                    kind, namespace, name, lifecycle.journalState(), injectedAt, recoveredAt, message, measurements);
        }
    }

    /** A recorder whose clock runs from {@code start}. */
    RunRecorder(Instant start) {
        this.created = start;
        this.start = start;
    }

    /**
     * A recorder whose clock has not started: what is recorded before {@link #startClock} (the
     * watches' first lists, warnings while starting) is at 0, as the state the run began with.
     */
    static RunRecorder unstarted() {
        RunRecorder recorder = new RunRecorder(Instant.now());
        recorder.start = null;
        return recorder;
    }

    /**
     * The run's clock starts now: the faults' `at` and the load's plan count from here, once the
     * watches have listed and the faults are prepared, however long that took.
     */
    void startClock() {
        start = Instant.now();
    }

    /** The clock starts at {@code at} (a moment fixed ahead: the injectors' start), waited for. */
    void startClockAt(Instant at) throws InterruptedException {
        long wait;
        while ((wait = at.toEpochMilli() - System.currentTimeMillis()) > 0) {
            Thread.sleep(wait);
        }
        start = at;
    }

    /** When the clock started (when the recorder was made, if it never did: the run ended first). */
    Instant start() {
        Instant started = start;
        return started != null ? started : created;
    }

    /** Milliseconds on the run's clock; 0 until it starts. */
    long now() {
        Instant started = start;
        return started == null ? 0 : Duration.between(started, Instant.now()).toMillis();
    }

    synchronized Target target(String fault, String kind, String namespace, String name) {
        return targets.computeIfAbsent(
                fault + "|" + kind + "|" + namespace + "|" + name, k -> new Target(fault, kind, namespace, name));
    }

    synchronized void update(Target t, java.util.function.Consumer<Target> change) {
        change.accept(t);
    }

    synchronized void event(String source, String kind, String subject, String message) {
        events.add(new TimelineEvent(now(), source, kind, subject, message));
    }

    synchronized List<Target> targets() {
        return List.copyOf(targets.values());
    }

    synchronized List<TargetRecord> recordsOf(String fault) {
        return targets.values().stream()
                .filter(t -> t.fault.equals(fault))
                .map(Target::toRecord)
                .toList();
    }

    synchronized List<TimelineEvent> events() {
        return events.stream()
                .sorted(java.util.Comparator.comparingLong(TimelineEvent::t))
                .toList();
    }
}
