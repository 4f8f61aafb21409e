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
 * The run records (JSON) and, under {@code <root>/<id>/}, each run's files: its experiment as
 * submitted and its report. The records themselves go to a {@link Store}: files next to the reports,
 * or, for the agent in a pod, ConfigMaps in its namespace, which outlive the pod and its volumes. A
 * record still "running" when the agent starts belongs to a run whose agent died: it is marked
 * interrupted.
 */
public final class RunRecords {
    /** Where the records are kept: one JSON document per run id. */
    public interface Store {
        void put(String id, byte[] json);

        Optional<byte[]> get(String id);

        /** Every record kept; one that cannot be read is left out. */
        List<byte[]> all();

        /** Forgets a record (retention); one already gone is no error. */
        void delete(String id);
    }

    private final Path root;
    private final Store store;
    private final JsonMapper json = JsonMapper.builder().build();

    /** Records as files next to the reports. */
    public RunRecords(Path root) {
        this(root, new FileStore(root));
    }

    public RunRecords(Path root, Store store) {
        this.root = root;
        this.store = store;
    }

    public Path root() {
        return root;
    }

    /** Where a run's files live: its experiment as submitted, its report. */
    public Path dir(String id) {
        return root.resolve(id);
    }

    public synchronized void save(RunRecord record) {
        store.put(record.id(), json.writeValueAsBytes(record));
    }

    public synchronized Optional<RunRecord> find(String id) {
        if (!validId(id)) {
            return Optional.empty();
        }
        return store.get(id).flatMap(this::read);
    }

    /** Every readable record, newest first. */
    public synchronized List<RunRecord> all() {
        List<RunRecord> records = new ArrayList<>();
        for (byte[] bytes : store.all()) {
            read(bytes).ifPresent(records::add);
        }
        records.sort(Comparator.comparing(RunRecord::started).reversed());
        return records;
    }

    /** Deletes a run's record and its files (retention of a schedule's finished runs). */
    public synchronized void delete(String id) {
        if (!validId(id)) {
            return;
        }
        store.delete(id);
        Path dir = dir(id);
        if (Files.isDirectory(dir)) {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(f);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot delete the files of run " + id, e);
            }
        }
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

    private Optional<RunRecord> read(byte[] bytes) {
        try {
            RunRecord r = json.readValue(bytes, RunRecord.class);
            return r.id() != null && r.started() != null && r.state() != null ? Optional.of(r) : Optional.empty();
        } catch (JacksonException e) {
            return Optional.empty();
        }
    }

    /** A run id as the engine makes them; anything else (a path, "..") names no run. */
    static boolean validId(String id) {
        return id.matches("[a-z0-9][-a-z0-9.]{0,200}") && !id.contains("..");
    }

    /** {@code <root>/<id>/run.json}, written atomically: temp file, fsync, rename. */
    static final class FileStore implements Store {
        private static final String FILE = "run.json";
        private final Path root;

        FileStore(Path root) {
            this.root = root;
        }

        @Override
        public void put(String id, byte[] json) {
            try {
                Path dir = root.resolve(id);
                Files.createDirectories(dir);
                Path tmp = dir.resolve(FILE + ".tmp");
                try (var channel = java.nio.channels.FileChannel.open(
                        tmp,
                        java.nio.file.StandardOpenOption.CREATE,
                        java.nio.file.StandardOpenOption.TRUNCATE_EXISTING,
                        java.nio.file.StandardOpenOption.WRITE)) {
                    channel.write(java.nio.ByteBuffer.wrap(json));
                    channel.force(true);
                }
                try {
                    Files.move(tmp, dir.resolve(FILE), StandardCopyOption.ATOMIC_MOVE);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, dir.resolve(FILE), StandardCopyOption.REPLACE_EXISTING);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write the record of run " + id, e);
            }
        }

        @Override
        public Optional<byte[]> get(String id) {
            Path file = root.resolve(id).resolve(FILE);
            try {
                return Files.isRegularFile(file) ? Optional.of(Files.readAllBytes(file)) : Optional.empty();
            } catch (IOException e) {
                return Optional.empty();
            }
        }

        @Override
        public void delete(String id) {
            try {
                Files.deleteIfExists(root.resolve(id).resolve(FILE));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot delete the record of run " + id, e);
            }
        }

        @Override
        public List<byte[]> all() {
            if (!Files.isDirectory(root)) {
                return List.of();
            }
            List<byte[]> all = new ArrayList<>();
            try (Stream<Path> dirs = Files.list(root)) {
                for (Path dir : dirs.toList()) {
                    String id = dir.getFileName().toString();
                    if (validId(id)) {
                        get(id).ifPresent(all::add);
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return all;
        }
    }
}
