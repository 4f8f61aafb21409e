package dev.aftershock.selection;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aftershock.model.Experiment;
import dev.aftershock.selection.ClusterSnapshot.NodeView;
import dev.aftershock.selection.ClusterSnapshot.PdbView;
import dev.aftershock.selection.ClusterSnapshot.PodView;
import dev.aftershock.selection.ClusterSnapshot.WorkloadView;
import dev.aftershock.validation.ExperimentLoader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The planner's guards and picks, on snapshots written out by hand. */
class PlannerTest {
    private static Experiment experiment(String faults, String safety) {
        String yaml = """
                apiVersion: aftershock.dev/v1alpha1
                kind: Experiment
                metadata: {name: t}
                spec:
                  duration: 10m
                  target: {namespace: shop, workload: deployment/checkout}
                  faults:
                %s
                  safety: %s
                """.formatted(faults, safety);
        var result = ExperimentLoader.load("t.yaml", yaml.getBytes(StandardCharsets.UTF_8));
        assertThat(result).isInstanceOf(ExperimentLoader.Loaded.class);
        return ((ExperimentLoader.Loaded) result).experiment();
    }

    /** Three nodes; checkout has 4 pods, two on n1; one unmanaged pod and one emptyDir pod on n2. */
    private static ClusterSnapshot cluster(PdbView... budgets) {
        List<NodeView> nodes = List.of(node("n1"), node("n2"), node("n3"));
        List<PodView> pods = new ArrayList<>(List.of(
                checkout("c1", "n1"),
                checkout("c2", "n1"),
                checkout("c3", "n2"),
                checkout("c4", "n3"),
                new PodView(
                        "shop",
                        "loner",
                        "uid-" + "loner",
                        Map.of(),
                        "n2",
                        Optional.empty(),
                        false,
                        false,
                        true,
                        false,
                        "1"),
                new PodView(
                        "shop",
                        "cache",
                        "uid-" + "cache",
                        Map.of("app", "cache"),
                        "n2",
                        Optional.of("ReplicaSet"),
                        false,
                        true,
                        true,
                        false,
                        "1"),
                new PodView(
                        "kube-system",
                        "dns",
                        "uid-" + "dns",
                        Map.of(),
                        "n3",
                        Optional.of("ReplicaSet"),
                        false,
                        false,
                        true,
                        false,
                        "1"),
                new PodView(
                        "kube-system",
                        "proxy",
                        "uid-" + "proxy",
                        Map.of(),
                        "n1",
                        Optional.of("DaemonSet"),
                        false,
                        false,
                        true,
                        false,
                        "1")));
        return new ClusterSnapshot(
                nodes,
                pods,
                List.of(budgets),
                Optional.of(new WorkloadView(
                        "shop", "Deployment", "checkout", LabelSelector.of(Map.of("app", "checkout")), 4)));
    }

    private static NodeView node(String name) {
        return new NodeView(name, Map.of("pool", "general"), true, true, false, "1");
    }

    private static PodView checkout(String name, String node) {
        return new PodView(
                "shop",
                name,
                "uid-" + name,
                Map.of("app", "checkout"),
                node,
                Optional.of("ReplicaSet"),
                false,
                false,
                true,
                false,
                "1");
    }

    /** A pod no controller manages would be gone for good: pod-kill never picks it unless force (Engine II). */
    @Test
    void podKillPicksNoUnmanagedPodUnlessForced() {
        ClusterSnapshot withStray = new ClusterSnapshot(
                cluster().nodes(),
                List.of(
                        checkout("c1", "n1"),
                        new PodView(
                                "shop",
                                "stray",
                                "uid-stray",
                                Map.of("app", "checkout"),
                                "n2",
                                Optional.empty(),
                                false,
                                false,
                                true,
                                false,
                                "1")),
                List.of(),
                cluster().target());
        var careful = experiment(
                "    - {name: k, at: 1m, action: pod-kill, pods: {selector: {app: checkout}, pick: all}}",
                "{maxUnavailable: 100%}");
        Plan plan = Planner.plan(careful, withStray, 1);
        assertThat(plan.faults().get(0).targets()).extracting(Plan.Target::name).containsExactly("c1");
        assertThat(plan.warnings())
                .anySatisfy(w -> assertThat(w).contains("shop/stray").contains("force: true"));

        var forced = experiment(
                "    - {name: k, at: 1m, action: pod-kill, pods: {selector: {app: checkout}, pick: all}, force: true}",
                "{maxUnavailable: 100%}");
        assertThat(Planner.plan(forced, withStray, 1).faults().get(0).targets())
                .extracting(Plan.Target::name)
                .containsExactlyInAnyOrder("c1", "stray");
    }

    /** A cordon takes no pod down: pods already not ready must not make the planner refuse it (a bug). */
    @Test
    void aCordonIsNotRefusedForPodsThatAreAlreadyDown() {
        List<PodView> pods = new ArrayList<>(cluster().pods());
        pods.set(
                0,
                new PodView(
                        "shop",
                        "c1",
                        "uid-c1",
                        Map.of("app", "checkout"),
                        "n1",
                        Optional.of("ReplicaSet"),
                        false,
                        false,
                        false,
                        false,
                        "1"));
        ClusterSnapshot oneNotReady = new ClusterSnapshot(
                cluster().nodes(), pods, List.of(), cluster().target());
        Plan plan = Planner.plan(
                experiment("    - {name: c, at: 1m, action: node-cordon, nodes: {names: [n3]}}", "{maxUnavailable: 0}"),
                oneNotReady,
                1);
        assertThat(plan.refusals()).isEmpty();
    }

    /**
     * Issue 18: planning reads the target's pods and each pod fault's by their selectors, then the
     * pods of the nodes its node faults picked, and plans from them what it plans from every pod.
     */
    @Test
    void planningReadsOnlyThePodsItNeedsAndPlansTheSameFromThem() {
        Experiment e = experiment(
                "    - {name: d, at: 1m, action: node-drain, nodes: {hosting: target, pick: 1}, force: true,"
                        + " deleteEmptyDirData: true}\n"
                        + "    - {name: k, at: 2m, action: pod-kill, pods: {namespace: shop, selector: {app: cache},"
                        + " pick: all}}",
                "{maxUnavailable: 100%, allowNamespaces: [kube-system]}");
        ClusterSnapshot everything = cluster();
        assertThat(Planner.podsToRead(e, everything.target()))
                .containsExactly(
                        new PodQuery(Optional.of("shop"), "app=checkout", ""),
                        new PodQuery(Optional.of("shop"), "app=cache", ""));
        ClusterSnapshot first = new ClusterSnapshot(
                everything.nodes(),
                everything.pods().stream()
                        .filter(p -> p.namespace().equals("shop")
                                && ("checkout".equals(p.labels().get("app"))
                                        || "cache".equals(p.labels().get("app"))))
                        .toList(),
                everything.pdbs(),
                everything.target());
        List<PodQuery> onNodes = Planner.podsOnPickedNodes(Planner.plan(e, first, 7));
        assertThat(onNodes).hasSize(1);
        String node = onNodes.get(0).fieldSelector().substring("spec.nodeName=".length());
        assertThat(onNodes.get(0)).isEqualTo(new PodQuery(Optional.empty(), "", "spec.nodeName=" + node));
        List<PodView> read = new ArrayList<>(first.pods());
        everything.pods().stream()
                .filter(p -> node.equals(p.nodeName()) && !read.contains(p))
                .forEach(read::add);
        // In the API server's order, by namespace and name, as every list (and ClusterReader) gives them.
        var apiOrder = java.util.Comparator.comparing(PodView::namespace).thenComparing(PodView::name);
        Plan fromWhatWasRead = Planner.plan(
                e,
                new ClusterSnapshot(
                        everything.nodes(),
                        read.stream().sorted(apiOrder).toList(),
                        everything.pdbs(),
                        everything.target()),
                7);
        Plan fromEverything = Planner.plan(
                e,
                new ClusterSnapshot(
                        everything.nodes(),
                        everything.pods().stream().sorted(apiOrder).toList(),
                        everything.pdbs(),
                        everything.target()),
                7);
        assertThat(fromWhatWasRead).isEqualTo(fromEverything);
    }

    @Test
    void drainsEvictEverythingButDaemonSetPods() {
        Plan plan = Planner.plan(
                experiment("    - {at: 1m, action: node-drain, nodes: {names: [n1]}}", "{}"), cluster(), 1);
        assertThat(plan.refusals()).isEmpty();
        var target = (Plan.NodeTarget) plan.faults().get(0).targets().get(0);
        assertThat(target.toEvict()).extracting(Plan.PodRef::name).containsExactly("c1", "c2");
    }

    @Test
    void refusesToStrandUnmanagedPodsOrEmptyDirDataUnlessAllowed() {
        Plan refused = Planner.plan(
                experiment("    - {at: 1m, action: node-drain, nodes: {names: [n2]}}", "{}"), cluster(), 1);
        assertThat(refused.refusals()).hasSize(2);
        assertThat(refused.refusals().get(0))
                .contains("shop/loner, which no controller manages")
                .contains("force: true");
        assertThat(refused.refusals().get(1))
                .contains("shop/cache, whose emptyDir data")
                .contains("deleteEmptyDirData: true");
        Plan allowed = Planner.plan(
                experiment(
                        "    - {at: 1m, action: node-drain, nodes: {names: [n2]}, force: true, deleteEmptyDirData: true}",
                        "{}"),
                cluster(),
                1);
        assertThat(allowed.refusals()).isEmpty();
    }

    @Test
    void refusesToDrainPodsOfProtectedNamespacesUnlessAllowed() {
        String drainN3 = "    - {at: 1m, action: node-drain, nodes: {names: [n3]}}";
        assertThat(Planner.plan(experiment(drainN3, "{}"), cluster(), 1).refusals())
                .singleElement()
                .asString()
                .contains("protected namespaces (kube-system/dns)");
        assertThat(Planner.plan(experiment(drainN3, "{allowNamespaces: [kube-system]}"), cluster(), 1)
                        .refusals())
                .isEmpty();
    }

    @Test
    void keepsTheSchedulableNodesItIsToldToKeep() {
        String two = "    - {name: a, at: 1m, action: node-cordon, nodes: {names: [n1]}, for: 2m}\n"
                + "    - {name: b, at: 2m, action: node-cordon, nodes: {names: [n2]}, for: 2m}";
        assertThat(Planner.plan(experiment(two, "{keepSchedulableNodes: 1}"), cluster(), 1)
                        .refusals())
                .isEmpty();
        assertThat(Planner.plan(experiment(two, "{keepSchedulableNodes: 2}"), cluster(), 1)
                        .refusals())
                .singleElement()
                .asString()
                .startsWith("fault b at 2m would leave 1 schedulable node (cordoned or drained: n1, n2)");
    }

    /** Memory pressure takes its node out of service (the kubelet taints it) and may evict all its pods. */
    @Test
    void memoryPressureCountsAgainstSchedulableNodesAndTheUnavailableBudget() {
        String pressureAndCordon =
                "    - {name: a, at: 1m, action: node-memory-pressure, nodes: {names: [n3]}, fill: 110%, for: 2m}\n"
                        + "    - {name: b, at: 2m, action: node-cordon, nodes: {names: [n2]}, for: 2m}";
        assertThat(Planner.plan(
                                experiment(pressureAndCordon, "{keepSchedulableNodes: 2, maxUnavailable: 100%}"),
                                cluster(),
                                1)
                        .refusals())
                .singleElement()
                .asString()
                .startsWith("fault b at 2m would leave 1 schedulable node");
        // n1 runs two of checkout's four pods: both may be evicted.
        String onN1 = "    - {name: a, at: 1m, action: node-memory-pressure, nodes: {names: [n1]}, fill: 110%}";
        assertThat(Planner.plan(experiment(onN1, "{maxUnavailable: 1}"), cluster(), 1)
                        .refusals())
                .singleElement()
                .asString()
                .contains("fault a would take 2 of deployment/checkout's 4 pods down at once");
    }

    @Test
    void keepsTheWorkloadWithinMaxUnavailable() {
        String killAll = "    - {at: 1m, action: pod-kill, pods: {selector: {app: checkout}, pick: all}}";
        assertThat(Planner.plan(experiment(killAll, "{maxUnavailable: 50%}"), cluster(), 1)
                        .refusals())
                .singleElement()
                .asString()
                .contains("would take 4 of deployment/checkout's 4 pods down at once")
                .contains("allows 2");
        String oneAtATime =
                "    - {at: 1m, action: pod-kill, pods: {selector: {app: checkout}, pick: all}, interval: 30s}";
        assertThat(Planner.plan(experiment(oneAtATime, "{maxUnavailable: 1}"), cluster(), 1)
                        .refusals())
                .isEmpty();
        String drainN1 = "    - {at: 1m, action: node-drain, nodes: {names: [n1]}}";
        assertThat(Planner.plan(experiment(drainN1, "{maxUnavailable: 1}"), cluster(), 1)
                        .refusals())
                .singleElement()
                .asString()
                .contains("would take 2 of deployment/checkout's 4 pods");
    }

    /** The cluster above, its target workload as its rollout strategy and state read. */
    private static ClusterSnapshot withRollout(int unavailable, String refusal) {
        ClusterSnapshot c = cluster();
        return new ClusterSnapshot(
                c.nodes(),
                c.pods(),
                c.pdbs(),
                Optional.of(new WorkloadView(
                        "shop",
                        "Deployment",
                        "checkout",
                        LabelSelector.of(Map.of("app", "checkout")),
                        4,
                        unavailable,
                        refusal)));
    }

    @Test
    void aRolloutRestartIsRefusedWhenItWouldRollNothingOrTakeMorePodsDownThanAllowed() {
        String restart = "    - {name: restart, at: 1m, action: rollout-restart}";
        assertThat(Planner.plan(experiment(restart, "{maxUnavailable: 1}"), withRollout(1, ""), 1)
                        .refusals())
                .as("a rolling update of one at a time")
                .isEmpty();
        assertThat(Planner.plan(experiment(restart, "{maxUnavailable: 1}"), withRollout(4, ""), 1)
                        .refusals())
                .as("Recreate: every pod at once")
                .singleElement()
                .asString()
                .contains("fault restart would take 4 of deployment/checkout's 4 pods down at once")
                .contains("allows 1");
        assertThat(Planner.plan(
                                experiment(restart, "{maxUnavailable: 1}"),
                                withRollout(1, "it is paused (kubectl refuses to restart it too)"),
                                1)
                        .refusals())
                .singleElement()
                .asString()
                .isEqualTo("fault restart: a restart of deployment/checkout would roll nothing:"
                        + " it is paused (kubectl refuses to restart it too)");
    }

    /** One container, "app", with or without a memory limit. */
    private static PodView withMemoryLimit(java.util.OptionalLong limit) {
        return new PodView(
                "shop",
                "c1",
                "uid-c1",
                Map.of("app", "checkout"),
                "n1",
                Optional.of("ReplicaSet"),
                false,
                false,
                true,
                false,
                "1",
                false,
                List.of(new ClusterSnapshot.ContainerView("app", Map.of(), limit)));
    }

    @Test
    void aMemoryOomOfAContainerWithoutAMemoryLimitIsRefusedUnlessItMayGrowIntoTheNodesMemory() {
        String fault = "    - {name: oom, at: 1m, action: memory-oom, pods: {selector: {app: checkout}}%s}";
        var strict = (dev.aftershock.model.FaultSpec.MemoryOom)
                experiment(fault.formatted(""), "{}").spec().faults().get(0);
        var accepting = (dev.aftershock.model.FaultSpec.MemoryOom)
                experiment(fault.formatted(", growIntoNodeMemory: true, rate: 16Mi/s"), "{}")
                        .spec()
                        .faults()
                        .get(0);
        assertThat(strict.bytesPerSecond()).isEqualTo(64L << 20);
        assertThat(accepting.bytesPerSecond()).isEqualTo(16L << 20);
        assertThat(Planner.memoryLimitRefusal(strict, withMemoryLimit(java.util.OptionalLong.empty())))
                .hasValue("pod shop/c1: container app has no memory limit, so its memory would grow into the node's"
                        + " (set growIntoNodeMemory: true to accept that: it is then a node fault)");
        assertThat(Planner.memoryLimitRefusal(strict, withMemoryLimit(java.util.OptionalLong.of(256L << 20))))
                .isEmpty();
        assertThat(Planner.memoryLimitRefusal(accepting, withMemoryLimit(java.util.OptionalLong.empty())))
                .isEmpty();
    }

    @Test
    void warnsAboutBudgetsThatNeverAllowAnEviction() {
        PdbView strict = new PdbView("shop", "checkout", LabelSelector.of(Map.of("app", "checkout")), 4, 4, 0);
        Plan plan = Planner.plan(
                experiment("    - {at: 1m, action: node-drain, nodes: {names: [n1]}}", "{}"), cluster(strict), 1);
        assertThat(plan.warnings())
                .singleElement()
                .asString()
                .contains(
                        "PodDisruptionBudget shop/checkout wants 4 of 4 pods healthy and can never allow an eviction");
    }

    @Test
    void hostingTargetPicksAmongTheNodesThatRunTheWorkload() {
        Plan plan = Planner.plan(
                experiment("    - {at: 1m, action: node-cordon, nodes: {hosting: target, pick: all}}", "{}"),
                cluster(),
                1);
        assertThat(plan.faults().get(0).targets()).extracting(Plan.Target::name).containsExactly("n1", "n2", "n3");
    }

    @Test
    void namesThatDoNotExistAreRefused() {
        assertThat(Planner.plan(
                                experiment("    - {at: 1m, action: node-cordon, nodes: {names: [ghost]}}", "{}"),
                                cluster(),
                                1)
                        .refusals())
                .containsExactly("fault node-cordon-1: node ghost does not exist");
    }
}
