package dev.aftershock.selection;

import dev.aftershock.model.Durations;
import dev.aftershock.model.Experiment;
import dev.aftershock.model.FaultSpec;
import dev.aftershock.model.NodeSelection;
import dev.aftershock.model.Pick;
import dev.aftershock.model.Safety;
import dev.aftershock.selection.ClusterSnapshot.NodeView;
import dev.aftershock.selection.ClusterSnapshot.PodView;
import dev.aftershock.selection.Plan.NodeTarget;
import dev.aftershock.selection.Plan.PlannedFault;
import dev.aftershock.selection.Plan.PodRef;
import dev.aftershock.selection.Plan.PodTarget;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Turns an experiment and a cluster snapshot into a plan: targets picked with the seed, then every
 * guard checked (protected namespaces, schedulable nodes kept, workload pods kept available, drains
 * that would strand unmanaged or emptyDir pods).
 */
public final class Planner {
    private final Experiment experiment;
    private final ClusterSnapshot cluster;
    private final long seed;
    private final Safety safety;
    private final List<String> warnings = new ArrayList<>();
    private final List<String> refusals = new ArrayList<>();

    private Planner(Experiment experiment, ClusterSnapshot cluster, long seed) {
        this.experiment = experiment;
        this.cluster = cluster;
        this.seed = seed;
        this.safety = experiment.spec().safety();
    }

    public static Plan plan(Experiment experiment, ClusterSnapshot cluster, long seed) {
        Planner p = new Planner(experiment, cluster, seed);
        List<PlannedFault> faults = new ArrayList<>();
        for (FaultSpec f : experiment.spec().faults()) {
            faults.add(p.resolve(f));
        }
        p.guardSchedulableNodes(faults);
        p.guardWorkloadAvailability(faults);
        return new Plan(seed, faults, p.warnings, p.refusals);
    }

    /**
     * The pods planning reads first: the target's and those of each fault's pod selection. Node
     * faults then need the pods on the nodes they pick ({@link #podsOnPickedNodes}); nothing else.
     */
    public static List<PodQuery> podsToRead(Experiment experiment, Optional<ClusterSnapshot.WorkloadView> target) {
        Set<PodQuery> queries = new LinkedHashSet<>();
        target.ifPresent(w -> queries.add(PodQuery.labelled(w.namespace(), w.selector())));
        for (FaultSpec f : experiment.spec().faults()) {
            f.podSelection()
                    .ifPresent(p -> queries.add(PodQuery.labelled(p.namespace(), LabelSelector.of(p.selector()))));
        }
        return List.copyOf(queries);
    }

    /**
     * The pods on the nodes a plan's node faults picked, in every namespace: a drain evicts them all
     * and must know of each. Node picks read only nodes and the target's pods, so a plan made before
     * these were read picks the same nodes as the plan made after.
     */
    public static List<PodQuery> podsOnPickedNodes(Plan plan) {
        Set<PodQuery> queries = new LinkedHashSet<>();
        for (PlannedFault f : plan.faults()) {
            f.targets().stream()
                    .filter(t -> t instanceof NodeTarget)
                    .forEach(t -> queries.add(PodQuery.onNode(t.name())));
        }
        return List.copyOf(queries);
    }

    private PlannedFault resolve(FaultSpec f) {
        Duration end = f.holdFor().map(f.at()::plus).orElse(experiment.spec().duration());
        return switch (f) {
            case FaultSpec.NodeCordon c ->
                new PlannedFault(
                        f,
                        nodes(f, c.nodes()).stream()
                                .map(n -> (Plan.Target) new NodeTarget(n.name(), List.of()))
                                .toList(),
                        f.at(),
                        end);
            case FaultSpec.NodeDrain d ->
                new PlannedFault(
                        f,
                        nodes(f, d.nodes()).stream()
                                .map(n -> (Plan.Target) drainTarget(d, n))
                                .toList(),
                        f.at(),
                        end);
            case FaultSpec.PodKill k -> new PlannedFault(f, pods(k), f.at(), f.at());
            case FaultSpec.NodeMemoryPressure n ->
                new PlannedFault(
                        f,
                        nodes(f, n.nodes()).stream()
                                .map(node -> (Plan.Target) new NodeTarget(node.name(), List.of()))
                                .toList(),
                        f.at(),
                        end);
            case FaultSpec.RolloutRestart r -> {
                cluster.target()
                        .filter(w -> !w.rolloutRefusal().isEmpty())
                        .ifPresent(w -> refusals.add("fault %s: a restart of %s/%s would roll nothing: %s"
                                .formatted(
                                        r.name(),
                                        w.kind().toLowerCase(java.util.Locale.ROOT),
                                        w.name(),
                                        w.rolloutRefusal())));
                List<Plan.Target> workload = cluster
                        .target()
                        .map(w -> (Plan.Target) new Plan.WorkloadTarget(w.namespace(), w.kind(), w.name()))
                        .stream()
                        .toList();
                yield new PlannedFault(f, workload, f.at(), f.at());
            }
            case FaultSpec.ContainerSignal c -> {
                cluster.pods().stream()
                        .filter(pod -> matching(c.pods(), pod))
                        .map(pod -> containerRefusal(c.container(), pod))
                        .flatMap(Optional::stream)
                        .findFirst()
                        .ifPresent(why -> refusals.add("fault %s cannot signal %s".formatted(c.name(), why)));
                yield new PlannedFault(f, pods(c), f.at(), f.at());
            }
            case FaultSpec.MemoryOom m -> {
                cluster.pods().stream()
                        .filter(pod -> matching(m.pods(), pod))
                        .map(pod -> containerRefusal(m.container(), pod).or(() -> memoryLimitRefusal(m, pod)))
                        .flatMap(Optional::stream)
                        .findFirst()
                        .ifPresent(why -> refusals.add("fault %s cannot OOM-kill %s".formatted(m.name(), why)));
                yield new PlannedFault(f, pods(m), f.at(), end);
            }
            case FaultSpec.ProbeFailure p -> {
                // Pods are picked again at the moment of injection: every pod that could be must do.
                ProbeRules.firstRefusal(
                                p,
                                cluster.pods().stream()
                                        .filter(pod -> matching(p.pods(), pod))
                                        .toList())
                        .ifPresent(why -> refusals.add("fault %s cannot fail the %s probe of %s"
                                .formatted(p.name(), p.probe().word(), why)));
                yield new PlannedFault(f, pods(p), f.at(), end);
            }
        };
    }

    /** The names of the workload's pods on the fault's target nodes. */
    private static List<String> podsOn(PlannedFault f, List<PodView> owned) {
        Set<String> nodes = f.targets().stream().map(Plan.Target::name).collect(Collectors.toSet());
        return owned.stream()
                .filter(p -> nodes.contains(p.nodeName()))
                .map(PodView::name)
                .toList();
    }

    /** The names of the fault's target pods that the workload owns. */
    private static List<String> ownedTargets(PlannedFault f, List<PodView> owned) {
        return f.targets().stream()
                .filter(t -> owned.stream()
                        .anyMatch(
                                o -> o.name().equals(t.name()) && o.namespace().equals(t.namespace())))
                .map(Plan.Target::name)
                .toList();
    }

    /**
     * A container without a memory limit has no cgroup of its own to run out of: its growth would
     * fill the node's memory for pods instead, which the experiment must accept in so many words.
     */
    static Optional<String> memoryLimitRefusal(FaultSpec.MemoryOom m, PodView pod) {
        if (m.growIntoNodeMemory()) {
            return Optional.empty();
        }
        return pod.containers().stream()
                .filter(c -> m.container().map(c.name()::equals).orElse(true))
                .filter(c -> c.memoryLimitBytes().isEmpty())
                .findFirst()
                .map(c -> ("pod %s/%s: container %s has no memory limit, so its memory would grow into the node's"
                                + " (set growIntoNodeMemory: true to accept that: it is then a node fault)")
                        .formatted(pod.namespace(), pod.name(), c.name()));
    }

    /** Why a fault that names (or leaves out) a container cannot find it in the pod. */
    static Optional<String> containerRefusal(Optional<String> container, PodView pod) {
        if (pod.sharedPids()) {
            return Optional.of("pod %s/%s: its containers share a process namespace (hostPID or"
                            .formatted(pod.namespace(), pod.name())
                    + " shareProcessNamespace), so none has a main process of its own");
        }
        if (!"Always".equals(pod.restartPolicy())) {
            return Optional.of("pod %s/%s: its restartPolicy is %s, so a container that exits may not come back"
                    .formatted(pod.namespace(), pod.name(), pod.restartPolicy()));
        }
        List<String> names = pod.containers().stream()
                .map(ClusterSnapshot.ContainerView::name)
                .toList();
        if (container.isPresent() && !names.contains(container.get())) {
            return Optional.of("pod %s/%s: it has no container named %s (it has %s)"
                    .formatted(pod.namespace(), pod.name(), container.get(), String.join(", ", names)));
        }
        if (container.isEmpty() && names.size() > 1) {
            return Optional.of("pod %s/%s: it has containers %s: name one with container"
                    .formatted(pod.namespace(), pod.name(), String.join(", ", names)));
        }
        return Optional.empty();
    }

    private List<NodeView> nodes(FaultSpec f, NodeSelection selection) {
        List<NodeView> picked = switch (selection) {
            case NodeSelection.ByNames byNames -> {
                List<NodeView> named = new ArrayList<>();
                for (String name : byNames.names()) {
                    cluster.nodes().stream()
                            .filter(n -> n.name().equals(name))
                            .findFirst()
                            .ifPresentOrElse(
                                    named::add,
                                    () -> refusals.add("fault %s: node %s does not exist".formatted(f.name(), name)));
                }
                yield named;
            }
            case NodeSelection.BySelector bySelector ->
                pickNodes(
                        f,
                        cluster.nodes().stream()
                                .filter(n -> n.schedulable() && matches(n.labels(), bySelector.selector()))
                                .toList(),
                        bySelector.pick(),
                        "matching " + bySelector.selector());
            case NodeSelection.HostingTarget hosting -> {
                Set<String> hosts = cluster.target()
                        .map(w -> cluster.pods().stream()
                                .filter(w::owns)
                                .map(PodView::nodeName)
                                .filter(n -> n != null)
                                .collect(Collectors.toSet()))
                        .orElse(Set.of());
                yield pickNodes(
                        f,
                        cluster.nodes().stream()
                                .filter(n -> n.schedulable() && hosts.contains(n.name()))
                                .toList(),
                        hosting.pick(),
                        "hosting " + experiment.spec().target().workload());
            }
        };
        return picked;
    }

    private List<NodeView> pickNodes(FaultSpec f, List<NodeView> candidates, Pick pick, String what) {
        if (candidates.isEmpty()) {
            warnings.add("fault %s: no schedulable node %s; it will do nothing".formatted(f.name(), what));
        }
        return TargetPicker.pick(candidates, NodeView::name, pick, seed, f.name());
    }

    private NodeTarget drainTarget(FaultSpec.NodeDrain d, NodeView node) {
        List<PodRef> evict = new ArrayList<>();
        Set<String> protectedHere = new TreeSet<>();
        for (PodView pod : cluster.pods()) {
            if (!node.name().equals(pod.nodeName()) || pod.daemonSet() || pod.mirror() || pod.terminating()) {
                continue;
            }
            if (safety.isProtected(pod.namespace())) {
                protectedHere.add(pod.namespace() + "/" + pod.name());
                continue;
            }
            if (pod.controllerKind().isEmpty() && !d.force()) {
                refusals.add(
                        ("fault %s: node %s runs %s/%s, which no controller manages: draining would delete it for good"
                                        + " (set force: true to allow it)")
                                .formatted(d.name(), node.name(), pod.namespace(), pod.name()));
            }
            if (pod.usesEmptyDir() && !d.deleteEmptyDirData()) {
                refusals.add(
                        "fault %s: node %s runs %s/%s, whose emptyDir data an eviction deletes (set deleteEmptyDirData: true to allow it)"
                                .formatted(d.name(), node.name(), pod.namespace(), pod.name()));
            }
            evict.add(new PodRef(pod.namespace(), pod.name(), pod.uid()));
            for (ClusterSnapshot.PdbView pdb : cluster.pdbs()) {
                if (pdb.covers(pod) && pdb.neverAllowsEviction()) {
                    String warning =
                            ("fault %s: PodDisruptionBudget %s/%s wants %d of %d pods healthy and can never allow an"
                                            + " eviction: the drain of %s will end at evictionTimeout (%s)")
                                    .formatted(
                                            d.name(),
                                            pdb.namespace(),
                                            pdb.name(),
                                            pdb.desiredHealthy(),
                                            pdb.expectedPods(),
                                            node.name(),
                                            Durations.format(d.evictionTimeout()));
                    if (!warnings.contains(warning)) {
                        warnings.add(warning);
                    }
                }
            }
        }
        if (!protectedHere.isEmpty()) {
            refusals.add(
                    "fault %s: node %s runs pods in protected namespaces (%s): list the namespace in spec.safety.allowNamespaces to drain it"
                            .formatted(d.name(), node.name(), String.join(", ", protectedHere)));
        }
        return new NodeTarget(node.name(), evict);
    }

    private List<Plan.Target> pods(FaultSpec f) {
        var selection = f.podSelection().orElseThrow();
        if (!f.force()) {
            List<String> unmanaged = cluster.pods().stream()
                    .filter(p -> matching(selection, p) && p.controllerKind().isEmpty())
                    .map(p -> p.namespace() + "/" + p.name())
                    .toList();
            if (!unmanaged.isEmpty()) {
                warnings.add("fault %s: not picking %s, which no controller manages (killed, it would be gone for good;"
                                .formatted(f.name(), String.join(", ", unmanaged))
                        + " set force: true to allow it)");
            }
        }
        List<Plan.Target> picked = podsNow(f, cluster.pods(), seed);
        if (picked.isEmpty()) {
            warnings.add("fault %s: no running pod in %s matches %s; it will do nothing"
                    .formatted(f.name(), selection.namespace(), selection.selector()));
        }
        return picked;
    }

    /**
     * The pods a pod fault takes from those that exist. Pods come and go during a run, so the engine
     * asks again at the moment of injection, with the same seed: the plan shows what would be picked now.
     * Pods no controller manages are never picked unless the fault says force.
     */
    public static List<Plan.Target> podsNow(FaultSpec f, List<PodView> pods, long seed) {
        var selection = f.podSelection().orElseThrow();
        List<PodView> candidates = pods.stream()
                .filter(p -> matching(selection, p)
                        && (f.force() || p.controllerKind().isPresent()))
                .toList();
        return TargetPicker.pick(candidates, PodView::name, selection.pick(), seed, f.name()).stream()
                .map(p -> (Plan.Target) new PodTarget(p.namespace(), p.name(), p.uid()))
                .toList();
    }

    private static boolean matching(dev.aftershock.model.PodSelection selection, PodView p) {
        return p.namespace().equals(selection.namespace())
                && p.matches(selection.selector())
                && !p.terminating()
                && !p.mirror();
    }

    /** At every moment a node fault starts, the nodes it and the faults still active take away. */
    private void guardSchedulableNodes(List<PlannedFault> faults) {
        Set<String> schedulable = cluster.nodes().stream()
                .filter(NodeView::schedulable)
                .map(NodeView::name)
                .collect(Collectors.toSet());
        for (PlannedFault starting : faults) {
            if (!starting.spec().action().takesNodeOutOfService()) {
                continue;
            }
            Set<String> taken = new LinkedHashSet<>();
            for (PlannedFault other : faults) {
                boolean nodeFault = other.spec().action().takesNodeOutOfService();
                boolean active = other.start().compareTo(starting.start()) <= 0
                        && other.end().compareTo(starting.start()) > 0;
                if (nodeFault && active) {
                    other.targets().stream()
                            .map(Plan.Target::name)
                            .filter(schedulable::contains)
                            .forEach(taken::add);
                }
            }
            int left = schedulable.size() - taken.size();
            if (left < safety.keepSchedulableNodes()) {
                refusals.add(("fault %s at %s would leave %d schedulable node%s (cordoned or drained: %s);"
                                + " spec.safety.keepSchedulableNodes is %d")
                        .formatted(
                                starting.spec().name(),
                                Durations.format(starting.start()),
                                left,
                                left == 1 ? "" : "s",
                                String.join(", ", taken),
                                safety.keepSchedulableNodes()));
            }
        }
    }

    /** The target workload never has more pods down at once than safety.maxUnavailable allows. */
    private void guardWorkloadAvailability(List<PlannedFault> faults) {
        if (cluster.target().isEmpty()) {
            return;
        }
        var workload = cluster.target().get();
        List<PodView> owned = cluster.pods().stream().filter(workload::owns).toList();
        int replicas = Math.max(workload.replicas(), owned.size());
        int allowed = safety.maxUnavailable().of(replicas);
        long alreadyDown =
                owned.stream().filter(p -> !p.ready() || p.terminating()).count();
        for (PlannedFault f : faults) {
            Set<String> down = new HashSet<>();
            switch (f.spec()) {
                case FaultSpec.PodKill k -> {
                    List<String> killed = f.targets().stream()
                            .filter(t -> owned.stream()
                                    .anyMatch(p -> p.name().equals(t.name())
                                            && p.namespace().equals(t.namespace())))
                            .map(Plan.Target::name)
                            .toList();
                    // Killed one at a time, only one is down at once (the next waits for the interval).
                    down.addAll(k.oneAtATime().isPresent() && !killed.isEmpty() ? killed.subList(0, 1) : killed);
                }
                // A drain evicts every pod of its nodes; memory pressure may evict any of them.
                case FaultSpec.NodeDrain d -> down.addAll(podsOn(f, owned));
                case FaultSpec.NodeMemoryPressure n -> down.addAll(podsOn(f, owned));
                case FaultSpec.NodeCordon c -> {}
                // The rollout takes pods down as the workload's own strategy allows: that many at once.
                case FaultSpec.RolloutRestart r -> {
                    for (int i = 0; i < workload.rolloutUnavailable(); i++) {
                        down.add("rollout-" + i);
                    }
                }
                // A signalled or OOM-killed container restarts; a failing readiness probe takes the pod out
                // of rotation, a liveness one restarts it: each target pod is down.
                case FaultSpec.ContainerSignal c -> down.addAll(ownedTargets(f, owned));
                case FaultSpec.MemoryOom m -> down.addAll(ownedTargets(f, owned));
                case FaultSpec.ProbeFailure p -> down.addAll(ownedTargets(f, owned));
            }
            // A fault that takes no pod down (a cordon) cannot break the budget, whatever is down already.
            if (!down.isEmpty() && down.size() + alreadyDown > allowed) {
                refusals.add(
                        ("fault %s would take %d of %s's %d pods down at once%s; spec.safety.maxUnavailable (%s) allows %d")
                                .formatted(
                                        f.spec().name(),
                                        down.size() + alreadyDown,
                                        experiment.spec().target().workload(),
                                        replicas,
                                        alreadyDown > 0 ? " (%d already not ready)".formatted(alreadyDown) : "",
                                        describe(safety.maxUnavailable()),
                                        allowed));
            }
        }
    }

    private static String describe(Safety.MaxUnavailable max) {
        return switch (max) {
            case Safety.MaxUnavailable.Count c -> Integer.toString(c.count());
            case Safety.MaxUnavailable.Share s -> s.percent().toString();
        };
    }

    private static boolean matches(Map<String, String> labels, Map<String, String> selector) {
        return selector.entrySet().stream().allMatch(e -> e.getValue().equals(labels.get(e.getKey())));
    }
}
