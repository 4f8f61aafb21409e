package dev.aftershock.fault;

import java.util.ArrayList;
import java.util.List;

/** Leftovers of faults that hold nodes out of scheduling: the node's holders of that action. */
record NodeHolds(String action) implements Leftovers {
    @Override
    public List<Leftover> find(ClusterOps cluster) throws Exception {
        List<Leftover> found = new ArrayList<>();
        for (NodeMarks.HeldNode node : cluster.heldNodes()) {
            for (NodeMarks.Holder h : node.state().holders()) {
                if (h.action().equals(action)) {
                    found.add(new Leftover(h.run(), h.fault(), h.action(), "Node", null, node.node()));
                }
            }
        }
        return found;
    }

    @Override
    public String undo(Leftover leftover, ClusterOps cluster) throws Exception {
        NodeMarks.Released released =
                cluster.release(leftover.name(), new NodeMarks.Holder(leftover.run(), leftover.fault(), action));
        return describe(released);
    }

    static String describe(NodeMarks.Released released) {
        if (!released.wasHolder()) {
            return "nothing to restore (not held by this fault)";
        }
        if (released.restored()) {
            return "uncordoned (restored as it was before)";
        }
        return "let go; still held by "
                + String.join(
                        ", ",
                        released.stillHeldBy().stream()
                                .map(h -> h.run() + "/" + h.fault())
                                .toList());
    }
}
