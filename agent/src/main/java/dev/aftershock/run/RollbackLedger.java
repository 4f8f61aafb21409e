package dev.aftershock.run;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import tools.jackson.databind.json.JsonMapper;

/**
 * The CLI's local record of what a run is about to change, written before each injection and kept
 * until every target is settled, so `aftershock recover` knows what a crashed run left behind even
 * where the cluster cannot say. One file per run under the state directory, written atomically
 * (temporary file, fsync, rename): a crash mid-write leaves the previous version, never half a file.
 */
public final class RollbackLedger {
    /** States after which nothing is left to put back. */
    static final Set<String> OPEN = Set.of("planned", "injected", "recovery-failed");

    public record Entry(String fault, String action, String kind, String namespace, String name, String state) {
        public boolean open() {
            return OPEN.contains(state);
        }
    }

    public record Ledger(String runId, String experiment, List<Entry> entries) {
        public boolean settled() {
            return entries.stream().noneMatch(Entry::open);
        }
    }

    /** What the state directory holds: the unsettled ledgers, and files that could not be read (reported, skipped). */
    public record Scan(List<Ledger> unsettled, List<String> unreadable) {}

    private static final JsonMapper MAPPER = JsonMapper.shared();
    private final Path file;
    private final Ledger ledger;

    private RollbackLedger(Path file, Ledger ledger) {
        this.file = file;
        this.ledger = ledger;
    }

    public static RollbackLedger open(Path stateDir, String runId, String experiment) {
        return new RollbackLedger(fileOf(stateDir, runId), new Ledger(runId, experiment, new ArrayList<>()));
    }

    private static Path fileOf(Path stateDir, String runId) {
        return stateDir.resolve("runs").resolve(runId + ".json");
    }

    /** Records (or updates) a target's state and writes the file before returning. */
    public synchronized void record(Entry entry) {
        List<Entry> entries = ledger.entries();
        entries.removeIf(e -> e.fault().equals(entry.fault())
                && e.kind().equals(entry.kind())
                && e.name().equals(entry.name())
                && java.util.Objects.equals(e.namespace(), entry.namespace()));
        entries.add(entry);
        write(file, ledger);
    }

    /** Removes the file once nothing is left to recover. */
    public synchronized void closeIfSettled() {
        if (ledger.settled()) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private static void write(Path file, Ledger ledger) {
        try {
            Files.createDirectories(file.getParent());
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            byte[] bytes = MAPPER.writeValueAsString(ledger).getBytes(StandardCharsets.UTF_8);
            try (FileChannel ch = FileChannel.open(
                    tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
                ch.write(ByteBuffer.wrap(bytes));
                // On disk before the rename: after a power loss the rename never points at an empty file.
                ch.force(true);
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the rollback ledger " + file, e);
        }
    }

    /** Every ledger of a run that did not settle all its targets; unreadable files are named, not fatal. */
    public static Scan scan(Path stateDir) {
        Path runs = stateDir.resolve("runs");
        if (!Files.isDirectory(runs)) {
            return new Scan(List.of(), List.of());
        }
        List<Ledger> out = new ArrayList<>();
        List<String> unreadable = new ArrayList<>();
        List<Path> files;
        try (Stream<Path> listing = Files.list(runs)) {
            files = listing.filter(p -> p.toString().endsWith(".json")).sorted().toList();
        } catch (IOException e) {
            return new Scan(List.of(), List.of(runs + ": " + e.getMessage()));
        }
        for (Path f : files) {
            try {
                Ledger l = MAPPER.readValue(Files.readString(f), Ledger.class);
                if (l.entries() == null || l.runId() == null) {
                    unreadable.add(f + ": not a ledger");
                } else if (!l.settled()) {
                    out.add(l);
                }
            } catch (IOException | RuntimeException e) {
                unreadable.add(f + ": " + e.getMessage());
            }
        }
        return new Scan(out, unreadable);
    }

    /** Marks every open entry of a run as settled by `aftershock recover`, removing the file. */
    public static void settle(Path stateDir, String runId, String state) {
        Path f = fileOf(stateDir, runId);
        if (!Files.exists(f)) {
            return;
        }
        try {
            Ledger l = MAPPER.readValue(Files.readString(f), Ledger.class);
            List<Entry> entries = new ArrayList<>();
            for (Entry e : l.entries()) {
                entries.add(e.open() ? new Entry(e.fault(), e.action(), e.kind(), e.namespace(), e.name(), state) : e);
            }
            Ledger settled = new Ledger(l.runId(), l.experiment(), entries);
            if (settled.settled()) {
                Files.delete(f);
            } else {
                write(f, settled);
            }
        } catch (IOException | RuntimeException e) {
            throw new UncheckedIOException(new IOException("cannot settle the ledger " + f + ": " + e.getMessage(), e));
        }
    }
}
