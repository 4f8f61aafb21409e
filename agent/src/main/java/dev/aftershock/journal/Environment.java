package dev.aftershock.journal;

import java.util.List;

/** The cluster the run met: its version and its nodes at the start. */
public record Environment(String server, String kubernetesVersion, List<NodeInfo> nodes) {
    public Environment {
        nodes = List.copyOf(nodes);
    }

    public record NodeInfo(String name, boolean ready, boolean schedulable, String pool) {}
}
