package dev.aftershock.model;

import java.util.List;
import java.util.Map;

/** Which nodes a node fault acts on. */
public sealed interface NodeSelection {
    record ByNames(List<String> names) implements NodeSelection {
        public ByNames {
            names = List.copyOf(names);
        }
    }

    record BySelector(Map<String, String> selector, Pick pick) implements NodeSelection {
        public BySelector {
            selector = Map.copyOf(selector);
        }
    }

    /** The nodes that run at least one pod of the experiment's target workload. */
    record HostingTarget(Pick pick) implements NodeSelection {}
}
