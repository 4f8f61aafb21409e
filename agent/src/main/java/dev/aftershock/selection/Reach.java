package dev.aftershock.selection;

import dev.aftershock.model.Experiment;
import dev.aftershock.model.FaultSpec;
import dev.aftershock.model.Hypothesis;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * What the agent's RBAC lets a run see and change: the whole cluster, or (installed with
 * {@code rbac.scope: namespaced}) only the pods and workloads of some namespaces, and no node at all.
 * An experiment that needs more is refused before anything is read or changed, saying why; a
 * namespaced run never reads nodes or other namespaces, so it needs no ClusterRole.
 *
 * @param namespaces the namespaces a run may read and change; empty: every one (cluster scope)
 */
public record Reach(boolean nodes, Set<String> namespaces) {
    public Reach {
        namespaces = Set.copyOf(namespaces);
    }

    public static Reach cluster() {
        return new Reach(true, Set.of());
    }

    public static Reach namespaces(Collection<String> namespaces) {
        if (namespaces.isEmpty()) {
            throw new IllegalArgumentException("a namespaced reach needs at least one namespace");
        }
        return new Reach(false, Set.copyOf(namespaces));
    }

    public boolean wholeCluster() {
        return namespaces.isEmpty();
    }

    public boolean reaches(String namespace) {
        return namespaces.isEmpty() || namespaces.contains(namespace);
    }

    /** Why this experiment asks for more than the agent may do; empty when it may run. */
    public List<String> refusals(Experiment experiment) {
        List<String> refusals = new ArrayList<>();
        String scope = "the agent's RBAC is namespaced (rbac.scope: namespaced)";
        String target = experiment.spec().target().namespace();
        if (!reaches(target)) {
            refusals.add("target namespace %s is not one the agent may act in (%s): %s; add it to rbac.namespaces"
                    .formatted(target, String.join(", ", new TreeSet<>(namespaces)), scope));
        }
        for (FaultSpec f : experiment.spec().faults()) {
            if (!nodes && f.action().targets() == FaultSpec.Targets.NODES) {
                refusals.add("fault %s (%s) acts on nodes, and %s, which grants no access to nodes; node faults"
                                .formatted(f.name(), f.action().word(), scope)
                        + " need rbac.scope: cluster");
            }
            f.podSelection()
                    .filter(p -> !reaches(p.namespace()))
                    .ifPresent(p -> refusals.add("fault %s picks pods in namespace %s, which %s does not include"
                            .formatted(f.name(), p.namespace(), scope)));
        }
        for (Hypothesis h : experiment.spec().hypotheses()) {
            if (!nodes && h.readsNodes()) {
                refusals.add("hypothesis %s reads the nodes, and %s, which grants no access to nodes"
                        .formatted(h.name(), scope));
            }
        }
        return refusals;
    }
}
