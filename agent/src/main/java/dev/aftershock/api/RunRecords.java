package dev.aftershock.api;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * The run records, one JSON file per run under {@code <data>/runs/<id>/run.json} next to its report
 * (written atomically: temp file, fsync, rename). A record still "running" when the agent starts
 * belongs to a run whose agent died: it is marked interrupted.
 */
public final class RunRecords {
    private static final String FILE = "run.json";
    private final Path root;
    private final JsonMapper json = JsonMapper.builder().build();

    public RunRecords(Path root) {
        this.root = root;
    }

    public Path root() {
        return root;
    }

    /** Where a run's files live: its record, its experiment as submitted, its report. */
    public Path dir(String id) {
        return root.resolve(id);
    }

    public synchronized void save(RunRecord record) {
        try {
            Path dir = dir(record.id());
            Files.createDirectories(dir);
            Path tmp = dir.resolve(FILE + ".tmp");
            try (var channel = java.nio.channels.FileChannel.open(
                    tmp,
                    java.nio.file.StandardOpenOption.CREATE,
                    java.nio.file.StandardOpenOption.TRUNCATE_EXISTING,
                    java.nio.file.StandardOpenOption.WRITE)) {
                channel.write(java.nio.ByteBuffer.wrap(json.writeValueAsBytes(record)));
                channel.force(true);
            }
            try {
                Files.move(tmp, dir.resolve(FILE), StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, dir.resolve(FILE), StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the record of run " + record.id(), e);
        }
    }

    public synchronized Optional<RunRecord> find(String id) {
        if (!id.matches("[a-zA-Z0-9][-a-zA-Z0-9.]{0,252}") || id.contains("..")) {
            return Optional.empty();
        }
        Path file = dir(id).resolve(FILE);
        try {
            return Files.isRegularFile(file)
                    ? Optional.of(json.readValue(file.toFile(), RunRecord.class))
                    : Optional.empty();
        } catch (JacksonException e) {
            return Optional.empty();
        }
    }

    /** Every readable record, newest first (an unreadable file is skipped). */
    public synchronized List<RunRecord> all() {
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        List<RunRecord> records = new ArrayList<>();
        try (Stream<Path> dirs = Files.list(root)) {
            for (Path dir : dirs.toList()) {
                find(dir.getFileName().toString()).ifPresent(records::add);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        records.sort(Comparator.comparing(RunRecord::started).reversed());
        return records;
    }

    /** Runs the last agent left "running": it died with them. Returns those it marked. */
    public synchronized List<RunRecord> markInterrupted(String why, Instant at) {
        List<RunRecord> marked = new ArrayList<>();
        for (RunRecord r : all()) {
            if (r.state().equals(RunRecord.RUNNING)) {
                RunRecord interrupted = r.interrupted(why, at);
                save(interrupted);
                marked.add(interrupted);
            }
        }
        return marked;
    }
}
