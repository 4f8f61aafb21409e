package dev.aftershock.fault;

import java.util.Locale;

/**
 * Something a run changed and has not put back, found in the cluster or in a run's ledger: what
 * `aftershock recover` and `run --recover-first` undo, through the fault kind that made it.
 */
public record Leftover(String run, String fault, String action, String kind, String namespace, String name) {
    /** "node kwok-node-1 (node-drain drain-1 of run r-20261128-101500-3fa2)". */
    public String describe() {
        return "%s %s%s (%s %s of run %s)"
                .formatted(
                        kind.toLowerCase(Locale.ROOT),
                        namespace == null ? "" : namespace + "/",
                        name,
                        action,
                        fault,
                        run);
    }
}
