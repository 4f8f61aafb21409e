package dev.aftershock.run;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import tools.jackson.databind.json.JsonMapper;

/**
 * The CLI's local record of what a run is about to change, written before each injection and kept
 * until every target is settled, so `aftershock recover` knows what a crashed run left behind even
 * where the cluster cannot say. One file per run under the state directory.
 */
public final class RollbackLedger {
    public record Entry(String fault, String action, String kind, String namespace, String name, String state) {}

    public record Ledger(String runId, String experiment, List<Entry> entries) {
        public boolean settled() {
            return entries.stream()
                    .allMatch(e -> !e.state().equals("planned") && !e.state().equals("injected"));
        }
    }

    private static final JsonMapper MAPPER = JsonMapper.shared();
    private final Path file;
    private final Ledger ledger;

    private RollbackLedger(Path file, Ledger ledger) {
        this.file = file;
        this.ledger = ledger;
    }

    public static RollbackLedger open(Path stateDir, String runId, String experiment) {
        return new RollbackLedger(
                stateDir.resolve("runs").resolve(runId + ".json"), new Ledger(runId, experiment, new ArrayList<>()));
    }

    /** Records (or updates) a target's state and writes the file before returning. */
    public synchronized void record(Entry entry) {
        List<Entry> entries = ledger.entries();
        entries.removeIf(e -> e.fault().equals(entry.fault())
                && e.kind().equals(entry.kind())
                && e.name().equals(entry.name())
                && java.util.Objects.equals(e.namespace(), entry.namespace()));
        entries.add(entry);
        write();
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

    private void write() {
        try {
            Files.createDirectories(file.getParent());
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.writeString(tmp, MAPPER.writeValueAsString(ledger));
            // Atomic replace: a crash mid-write never leaves half a ledger.
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the rollback ledger " + file, e);
        }
    }

    /** Every ledger of a run that did not settle all its targets. */
    public static List<Ledger> unsettled(Path stateDir) {
        Path runs = stateDir.resolve("runs");
        if (!Files.isDirectory(runs)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(runs)) {
            List<Ledger> out = new ArrayList<>();
            for (Path f :
                    files.filter(p -> p.toString().endsWith(".json")).sorted().toList()) {
                Ledger l = MAPPER.readValue(Files.readString(f), Ledger.class);
                if (!l.settled()) {
                    out.add(l);
                }
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Marks every unsettled entry of a run as recovered by `aftershock recover`, removing the file. */
    public static void settle(Path stateDir, String runId, String state) {
        Path f = stateDir.resolve("runs").resolve(runId + ".json");
        if (!Files.exists(f)) {
            return;
        }
        try {
            Ledger l = MAPPER.readValue(Files.readString(f), Ledger.class);
            List<Entry> entries = new ArrayList<>();
            for (Entry e : l.entries()) {
                boolean open = e.state().equals("planned") || e.state().equals("injected");
                entries.add(open ? new Entry(e.fault(), e.action(), e.kind(), e.namespace(), e.name(), state) : e);
            }
            Ledger settled = new Ledger(l.runId(), l.experiment(), entries);
            if (settled.settled()) {
                Files.delete(f);
            } else {
                Files.writeString(f, MAPPER.writeValueAsString(settled));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
