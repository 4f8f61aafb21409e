package dev.aftershock.fault;

import java.time.Instant;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * What a fault may use: the run's identity, the cluster (one facade), the end of the run (no wait
 * lasts past it), a sink for timeline notes ("eviction blocked by PDB x"), and whether the run is
 * stopping (an abort or a signal: a drain stops evicting).
 */
public record FaultContext(
        String runId, ClusterOps cluster, Supplier<Instant> runEnd, Consumer<String> note, BooleanSupplier stopping) {
    /** When the run ends: its clock starts once the faults are prepared, so this is read when needed. */
    public Instant runEnds() {
        return runEnd.get();
    }
}
