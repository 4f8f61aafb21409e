package dev.aftershock.model;

import java.util.List;
import java.util.Set;

/** Guards checked before anything is touched. */
public record Safety(List<String> allowNamespaces, MaxUnavailable maxUnavailable, int keepSchedulableNodes) {
    /** Namespaces no fault touches unless listed in allowNamespaces; "aftershock" is the agent's own. */
    public static final Set<String> PROTECTED_NAMESPACES =
            Set.of("kube-system", "kube-public", "kube-node-lease", "aftershock");

    public static final Safety DEFAULTS = new Safety(List.of(), new MaxUnavailable.Share(new Percent(50)), 1);

    public Safety {
        allowNamespaces = List.copyOf(allowNamespaces);
    }

    public boolean isProtected(String namespace) {
        return PROTECTED_NAMESPACES.contains(namespace) && !allowNamespaces.contains(namespace);
    }

    /** The most pods of one workload that may be down at once: a count or a share of its replicas. */
    public sealed interface MaxUnavailable {
        int of(int replicas);

        record Count(int count) implements MaxUnavailable {
            @Override
            public int of(int replicas) {
                return count;
            }
        }

        record Share(Percent percent) implements MaxUnavailable {
            @Override
            public int of(int replicas) {
                // Rounded down, as Kubernetes does for maxUnavailable: a guard errs on the safe side.
                return (int) Math.floor(percent.fraction() * replicas + 1e-9);
            }
        }
    }
}
