package dev.aftershock.fault;

import java.util.List;

/** How one fault kind finds what crashed runs left behind, and undoes it. Both must be idempotent. */
public interface Leftovers {
    List<Leftover> find(ClusterOps cluster) throws Exception;

    /** Undoes one leftover; returns what was done. */
    String undo(Leftover leftover, ClusterOps cluster) throws Exception;

    /** For faults whose effect nothing needs to undo (a killed pod is replaced by its controller). */
    Leftovers NONE = new Leftovers() {
        @Override
        public List<Leftover> find(ClusterOps cluster) {
            return List.of();
        }

        @Override
        public String undo(Leftover leftover, ClusterOps cluster) {
            return "nothing to undo";
        }
    };
}
