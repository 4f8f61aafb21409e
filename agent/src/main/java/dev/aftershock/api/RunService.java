package dev.aftershock.api;

import dev.aftershock.model.Experiment;
import dev.aftershock.run.RunEngine;
import dev.aftershock.run.RunListener;
import dev.aftershock.run.RunOptions;
import dev.aftershock.validation.ExperimentLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Runs experiments submitted to the agent, one at a time (the run lock makes it one per cluster):
 * validated as `aftershock validate` does before anything else, recorded before they start, followed
 * while they run (progress and lines, for the live stream), and stopped on request as SIGTERM stops a
 * CLI run (every fault recovered first).
 */
public final class RunService {
    /** How the run options are made for a run whose files live in a directory (the agent's settings). */
    public interface Options extends Function<Submitted, RunOptions> {}

    /**
     * One submitted experiment: its file name, its source, where its report goes, who follows it, and
     * where its load goes instead of the experiment's URL (null: as written).
     */
    public record Submitted(Path file, String source, Path reportsRoot, RunListener listener, java.net.URI loadUrl) {}

    /** What became of a submission. */
    public sealed interface Submission {
        record Accepted(String id) implements Submission {}

        /** `validate` would have refused it: every problem as file:line:col: message. */
        record Invalid(List<String> problems) implements Submission {}

        /** Another run is in progress (here, or holding the cluster's run lock). */
        record Busy(String holder) implements Submission {}
    }

    /** Tells who holds the cluster's run lock now, if anyone. */
    public interface LockHolder {
        Optional<String> now() throws Exception;
    }

    private final RunRecords records;
    private final Options options;
    private final LockHolder lock;
    // Read from the event loop without the lock (live()); written under it.
    private volatile Live current;

    public RunService(RunRecords records, Options options, LockHolder lock) {
        this.records = records;
        this.options = options;
        this.lock = lock;
    }

    public Submission submit(String name, byte[] yaml) throws Exception {
        return submit(name, yaml, null);
    }

    /** {@code loadUrl}: replaces the scheme, host and port of the load's URL (null: as written). */
    public Submission submit(String name, byte[] yaml, java.net.URI loadUrl) throws Exception {
        return submit(name, yaml, loadUrl, null);
    }

    /**
     * A run named {@code runId} (a schedule's, after its scheduled time); null: a new id. A run of that
     * name that already exists is not started again.
     */
    public Submission submit(String name, byte[] yaml, java.net.URI loadUrl, String runId) throws Exception {
        ExperimentLoader.Result loaded = ExperimentLoader.load(name, yaml);
        if (loaded instanceof ExperimentLoader.Rejected rejected) {
            return new Submission.Invalid(
                    rejected.problems().stream().map(Object::toString).toList());
        }
        Experiment experiment = ((ExperimentLoader.Loaded) loaded).experiment();
        if (loadUrl != null
                && experiment.spec().load().isPresent()
                && (!experiment.spec().load().get().headers().isEmpty()
                        || experiment.spec().load().get().url().getRawUserInfo() != null)) {
            // Headers and credentials in the URL may be secrets: they go only where the experiment says.
            return new Submission.Invalid(List.of(
                    "loadUrl: refused for an experiment whose load sends headers or credentials; they go only to"
                            + " the URL the experiment names"));
        }
        synchronized (this) {
            if (current != null && !current.ended()) {
                return new Submission.Busy(current.record().id());
            }
            Optional<String> holder = lock.now();
            if (holder.isPresent()) {
                return new Submission.Busy(holder.get());
            }
            Live live = new Live();
            // The name only (the run's journal shows it); a load header's valueFrom file is read from the
            // agent's load secrets directory (a mounted Secret), and from nowhere else.
            RunOptions runOptions = options.apply(new Submitted(
                    Path.of(name), new String(yaml, StandardCharsets.UTF_8), ensure(records.root()), live, loadUrl));
            if (runId != null && records.find(runId).isPresent()) {
                return new Submission.Busy(runId);
            }
            RunEngine engine = runId == null
                    ? new RunEngine(experiment, runOptions)
                    : new RunEngine(experiment, runOptions, runId);
            String id = engine.runId();
            Files.createDirectories(records.dir(id));
            RunRecord record = new RunRecord(
                    id,
                    experiment.name(),
                    experiment.spec().target().namespace() + "/"
                            + experiment.spec().target().workload(),
                    RunRecord.RUNNING,
                    null,
                    null,
                    Instant.now(),
                    null,
                    null);
            records.save(record);
            live.start(record, engine);
            current = live;
            return new Submission.Accepted(id);
        }
    }

    private static Path ensure(Path dir) throws java.io.IOException {
        Files.createDirectories(dir);
        return dir;
    }

    public List<RunRecord> list() {
        return records.all();
    }

    public Optional<RunRecord> find(String id) {
        return records.find(id);
    }

    /** The run in progress with this id, if it is the one running here. */
    public Optional<Live> live(String id) {
        Live live = current;
        return live != null && live.record().id().equals(id) ? Optional.of(live) : Optional.empty();
    }

    /** Stops the run in progress with this id; false when no such run is in progress here. */
    public boolean abort(String id, String why) {
        Optional<Live> live = live(id);
        if (live.isEmpty() || live.get().ended()) {
            return false;
        }
        live.get().engine.stop(why);
        return true;
    }

    /** The run going on here, if one does. */
    public Optional<String> inProgress() {
        Live live = current;
        return live != null && !live.ended() ? Optional.of(live.record().id()) : Optional.empty();
    }

    /** Records a scheduled start that did not start (forbidden, missed), as a run of its own name. */
    public void recordSkipped(String id, String experiment, String outcome, Instant scheduled, String why) {
        records.save(RunRecord.skipped(id, experiment, outcome, scheduled, why));
    }

    /** The runs as the scheduler starts, stops, records and forgets them. */
    public Scheduler.Runs forSchedules() {
        return new Scheduler.Runs() {
            @Override
            public Optional<String> inProgress() {
                return RunService.this.inProgress();
            }

            @Override
            public Submission submit(String name, byte[] yaml, String runId) throws Exception {
                return RunService.this.submit(name, yaml, null, runId);
            }

            @Override
            public void stop(String why) throws InterruptedException {
                stopAll(why);
            }

            @Override
            public void recordSkipped(String id, String experiment, String outcome, Instant scheduled, String why) {
                RunService.this.recordSkipped(id, experiment, outcome, scheduled, why);
            }

            @Override
            public List<String> ended(String schedule) {
                // The schedule's own runs only: "nightly" must not count "nightly-b"'s.
                java.util.regex.Pattern own = java.util.regex.Pattern.compile(
                        java.util.regex.Pattern.quote(schedule) + "-\\d{8}-\\d{4}(\\d{2}-now)?");
                return records.all().stream()
                        .filter(r -> own.matcher(r.id()).matches())
                        .filter(r -> !r.state().equals(RunRecord.RUNNING))
                        .map(RunRecord::id)
                        .toList();
            }

            @Override
            public void delete(String id) {
                records.delete(id);
            }
        };
    }

    /** The agent is stopping (SIGTERM): the run in progress recovers its faults and ends first. */
    public void stopAll(String why) throws InterruptedException {
        Live live = current;
        if (live != null && !live.ended()) {
            live.engine.stop(why);
            live.thread.join();
        }
    }

    public Path artifact(String id, String name) {
        return records.dir(id).resolve(name);
    }

    /** A run going on here: its last progress, its recent lines, and who follows it. */
    public final class Live implements RunListener {
        private static final int KEPT = 2000;
        private final ArrayDeque<Event> history = new ArrayDeque<>();
        private final List<Consumer<Event>> followers = new ArrayList<>();
        private volatile RunRecord record;
        private volatile Progress progress;
        private RunEngine engine;
        private Thread thread;
        private volatile boolean ended;

        void start(RunRecord started, RunEngine engine) {
            this.record = started;
            this.engine = engine;
            this.thread =
                    Thread.ofVirtual().name("aftershock-run-" + started.id()).start(this::play);
        }

        private void play() {
            int exit = 3;
            String why = null;
            try {
                exit = engine.run().exitCode();
            } catch (Exception e) {
                // As `aftershock run` exits: refusals before anything changed are 2, the rest 3.
                exit = e instanceof IllegalStateException || e instanceof dev.aftershock.kube.UnusableClusterAccess
                        ? 2
                        : 3;
                why = e.getMessage();
                line("aftershock: " + e.getMessage(), true);
            } finally {
                RunRecord done = record.finished(exit, Instant.now());
                if (why != null) {
                    done = done.because(why);
                }
                try {
                    records.save(done);
                } catch (RuntimeException e) {
                    line("aftershock: the run's record could not be saved: " + e.getMessage(), true);
                } finally {
                    // Whatever became of the record, the run is over: followers get its end, and the
                    // next submission is not refused by a run that no longer runs.
                    record = done;
                    ended = true;
                    publish(new Event("end", done.outcome()));
                    synchronized (this) {
                        followers.clear();
                    }
                }
            }
        }

        public RunRecord record() {
            return record;
        }

        public Optional<Progress> progress() {
            return Optional.ofNullable(progress);
        }

        public boolean ended() {
            return ended;
        }

        /**
         * Follows the run: the events so far, then each as it comes, until "end". Returns a handle to
         * stop following.
         */
        public synchronized Runnable follow(Consumer<Event> follower) {
            history.forEach(follower);
            if (ended) {
                // The history ends with the run's "end" (unless it was evicted: then say it once).
                if (history.isEmpty() || !history.peekLast().name().equals("end")) {
                    follower.accept(new Event("end", record.outcome()));
                }
                return () -> {};
            }
            followers.add(follower);
            return () -> {
                synchronized (Live.this) {
                    followers.remove(follower);
                }
            };
        }

        @Override
        public void progress(Progress p) {
            progress = p;
            publish(new Event(
                    "progress",
                    "{\"elapsedSeconds\":%d,\"rps\":%d,\"p99Millis\":%s,\"errorPercent\":%s,\"replicas\":\"%s\",\"activeFaults\":%d}"
                            .formatted(
                                    p.elapsedSeconds(),
                                    p.rps(),
                                    finite(p.p99Millis()),
                                    finite(p.errorPercent()),
                                    p.replicas().replace("\"", "'"),
                                    p.activeFaults())));
        }

        @Override
        public void line(String text, boolean warning) {
            publish(new Event(warning ? "warning" : "line", text));
        }

        private synchronized void publish(Event e) {
            if (history.size() == KEPT) {
                history.removeFirst();
            }
            history.addLast(e);
            for (Consumer<Event> f : List.copyOf(followers)) {
                f.accept(e);
            }
        }
    }

    private static String finite(double v) {
        return Double.isFinite(v) ? String.valueOf(v) : "null";
    }

    /** One event of the live stream: its name and its data (a line of text, or JSON for progress). */
    public record Event(String name, String data) {}
}
