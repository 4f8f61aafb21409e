package dev.aftershock.fault;

import dev.aftershock.kube.Evictions;
import dev.aftershock.kube.Nodes;
import dev.aftershock.kube.PodWatches;
import dev.aftershock.kube.Pods;
import java.time.Instant;
import java.util.function.Consumer;

/**
 * What a fault may use: the run's identity, the API operations, the end of the run (no wait lasts
 * past it), and a sink for timeline notes ("eviction blocked by PDB x").
 */
public record FaultContext(
        String runId,
        Nodes nodes,
        Pods pods,
        Evictions evictions,
        PodWatches watches,
        Instant runEnds,
        Consumer<String> note) {}
