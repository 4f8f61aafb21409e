package dev.aftershock.fault;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Two holders of one node: only the last one to let go restores it, to what it was before the first. */
class NodeMarksTest {
    private static final NodeMarks.Holder CORDON = new NodeMarks.Holder("run-a", "cordon", "node-cordon");
    private static final NodeMarks.Holder DRAIN = new NodeMarks.Holder("run-a", "drain", "node-drain");
    private static final NodeMarks.Holder OTHER_RUN = new NodeMarks.Holder("run-b", "cordon", "node-cordon");

    /** Applies a change as a merge patch would. */
    private static boolean apply(Map<String, String> annotations, NodeMarks.Change change) {
        change.annotations().forEach((k, v) -> {
            if (v == null) {
                annotations.remove(k);
            } else {
                annotations.put(k, v);
            }
        });
        return Boolean.TRUE.equals(change.unschedulable());
    }

    @Test
    void overlappingHoldersOfOneRunLeaveTheNodeAsItWas() {
        Map<String, String> a = new HashMap<>();
        boolean unschedulable = apply(a, NodeMarks.hold(NodeMarks.read(a, false), CORDON));
        unschedulable = apply(a, NodeMarks.hold(NodeMarks.read(a, unschedulable), DRAIN));
        assertThat(NodeMarks.read(a, unschedulable).holders()).containsExactly(CORDON, DRAIN);
        assertThat(NodeMarks.read(a, unschedulable).wasUnschedulable()).isFalse();

        unschedulable = apply(a, NodeMarks.release(NodeMarks.read(a, unschedulable), CORDON));
        assertThat(unschedulable).as("the drain still holds it").isTrue();
        unschedulable = apply(a, NodeMarks.release(NodeMarks.read(a, unschedulable), DRAIN));
        assertThat(unschedulable).isFalse();
        assertThat(a).isEmpty();
    }

    @Test
    void holdersOfTwoRunsReleasedInAnyOrder() {
        Map<String, String> a = new HashMap<>();
        boolean u = apply(a, NodeMarks.hold(NodeMarks.read(a, false), CORDON));
        u = apply(a, NodeMarks.hold(NodeMarks.read(a, u), OTHER_RUN));
        assertThat(a.get(NodeMarks.RUN)).isEqualTo("run-a,run-b");
        u = apply(a, NodeMarks.release(NodeMarks.read(a, u), OTHER_RUN));
        assertThat(u).isTrue();
        assertThat(a.get(NodeMarks.RUN)).isEqualTo("run-a");
        u = apply(a, NodeMarks.release(NodeMarks.read(a, u), CORDON));
        assertThat(u).isFalse();
        assertThat(a).isEmpty();
    }

    @Test
    void aNodeThatWasCordonedBeforeStaysCordoned() {
        Map<String, String> a = new HashMap<>();
        boolean u = apply(a, NodeMarks.hold(NodeMarks.read(a, true), CORDON));
        u = apply(a, NodeMarks.release(NodeMarks.read(a, u), CORDON));
        assertThat(u).isTrue();
        assertThat(a).isEmpty();
    }

    @Test
    void holdingTwiceIsOneHolderAndTheOldSingleRunMarksAreRead() {
        Map<String, String> a = new HashMap<>();
        boolean u = apply(a, NodeMarks.hold(NodeMarks.read(a, false), CORDON));
        u = apply(a, NodeMarks.hold(NodeMarks.read(a, u), CORDON));
        assertThat(NodeMarks.read(a, u).holders()).containsExactly(CORDON);

        Map<String, String> legacy =
                Map.of(NodeMarks.RUN, "old-run", "aftershock.dev/fault", "f", NodeMarks.WAS_UNSCHEDULABLE, "false");
        assertThat(NodeMarks.read(legacy, true).holders())
                .containsExactly(new NodeMarks.Holder("old-run", "f", "node-cordon"));
    }
}
