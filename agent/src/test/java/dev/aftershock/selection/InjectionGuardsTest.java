package dev.aftershock.selection;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aftershock.model.Percent;
import dev.aftershock.model.Safety;
import dev.aftershock.selection.ClusterSnapshot.NodeView;
import dev.aftershock.selection.ClusterSnapshot.PodView;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The guards at the moment of injection, against the cluster as it is then. */
class InjectionGuardsTest {
    private static final Safety KEEP_TWO = new Safety(List.of(), new Safety.MaxUnavailable.Count(1), 2);

    private static NodeView node(String name, boolean ready, boolean schedulable, boolean tainted) {
        return new NodeView(name, Map.of(), schedulable, ready, tainted, "1");
    }

    @Test
    void keepSchedulableNodesCountsOnlyReadyUncordonedUntaintedNodes() {
        List<NodeView> nodes = List.of(
                node("a", true, true, false),
                node("b", true, true, false),
                node("c", true, true, false),
                node("tainted", true, true, true),
                node("not-ready", false, true, false),
                node("cordoned", true, false, false));
        assertThat(InjectionGuards.node("a", nodes, Set.of(), KEEP_TWO))
                .as("exactly at the limit: 2 left")
                .isEmpty();
        List<NodeView> oneFewer = List.of(nodes.get(0), nodes.get(1), nodes.get(3), nodes.get(4), nodes.get(5));
        assertThat(InjectionGuards.node("a", oneFewer, Set.of(), KEEP_TWO))
                .hasValueSatisfying(why -> assertThat(why).contains("leave 1 node in service"));
        assertThat(InjectionGuards.node("tainted", oneFewer, Set.of(), KEEP_TWO))
                .as("a node already out of service takes nothing more away")
                .isEmpty();
    }

    private static PodView pod(String name, boolean ready, boolean terminating) {
        return new PodView(
                "shop",
                name,
                name + "-uid",
                Map.of("app", "checkout"),
                "a",
                Optional.of("ReplicaSet"),
                false,
                false,
                ready,
                terminating,
                "1");
    }

    @Test
    void maxUnavailableCountsWhatIsDownNowWhateverTookItDown() {
        var workload = new ClusterSnapshot.WorkloadView(
                "shop", "Deployment", "checkout", LabelSelector.of(Map.of("app", "checkout")), 4);
        Safety half = new Safety(List.of(), new Safety.MaxUnavailable.Share(new Percent(50)), 1);
        List<PodView> oneDrained =
                List.of(pod("p1", true, false), pod("p2", true, false), pod("p3", false, false), pod("p4", true, true));
        assertThat(InjectionGuards.workload(workload, oneDrained, Set.of("p1-uid"), Set.of(), half))
                .hasValueSatisfying(why ->
                        assertThat(why).contains("3 of deployment/checkout's 4").contains("(2 already"));
        List<PodView> healthy = List.of(
                pod("p1", true, false), pod("p2", true, false), pod("p3", true, false), pod("p4", false, false));
        assertThat(InjectionGuards.workload(workload, healthy, Set.of("p1-uid"), Set.of(), half))
                .isEmpty();
        assertThat(InjectionGuards.workload(workload, oneDrained, Set.of("p3-uid"), Set.of(), half))
                .as("a pod already down adds nothing")
                .isEmpty();
    }

    /** Targets injected at the same moment, or faster than a watch reports, count against each other. */
    @Test
    void whatTheRunHasJustTakenDownCountsBeforeTheWatchShowsIt() {
        var workload = new ClusterSnapshot.WorkloadView(
                "shop", "Deployment", "checkout", LabelSelector.of(Map.of("app", "checkout")), 4);
        Safety half = new Safety(List.of(), new Safety.MaxUnavailable.Share(new Percent(50)), 1);
        List<PodView> allReady =
                List.of(pod("p1", true, false), pod("p2", true, false), pod("p3", true, false), pod("p4", true, false));
        assertThat(InjectionGuards.workload(workload, allReady, Set.of("p3-uid"), Set.of("p1-uid", "p2-uid"), half))
                .as("two kills a moment ago, not yet seen: a third would be one too many")
                .isPresent();
        List<NodeView> nodes =
                List.of(node("a", true, true, false), node("b", true, true, false), node("c", true, true, false));
        assertThat(InjectionGuards.node("a", nodes, Set.of("b"), KEEP_TWO)).isPresent();
    }
}
