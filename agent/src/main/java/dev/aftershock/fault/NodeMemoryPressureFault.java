package dev.aftershock.fault;

import dev.aftershock.journal.Measurement;
import dev.aftershock.model.FaultSpec;
import dev.aftershock.selection.Plan;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Puts a node under memory pressure with an unprivileged hog pod pinned to it: sized from the node's
 * allocatable memory and what its pods use (the metrics API) so that they reach the experiment's
 * fill, Guaranteed with a request the size of what it holds (so the kubelet evicts other pods
 * before it), grown at the fault's rate, held, and let go on recovery or at its deadline (the fault's
 * end plus 15 s) even when the agent is gone. The injection is the pressure: unless the node reports
 * MemoryPressure, the target is not injected. What follows is measured as an SRE reads it: each
 * eviction in order, with the pod's QoS class and memory request, and when the pressure was over.
 */
public final class NodeMemoryPressureFault implements Fault, AutoCloseable {
    /** Past the fault's end, the hog's own deadline: the kubelet stops it then, and its memory goes. */
    private static final Duration HOG_MARGIN = Duration.ofSeconds(15);

    /** The kubelet looks at its memory every 10 s, and says MemoryPressure once it is past its threshold. */
    private static final Duration PRESSURE_LIMIT = Duration.ofSeconds(40);

    /** After recovery, the kubelet lifts MemoryPressure once its transition period is over (5 m by default). */
    private static final Duration PRESSURE_OVER_LIMIT = Duration.ofMinutes(6);

    private static final Duration POLL = Duration.ofMillis(500);

    private final FaultSpec.NodeMemoryPressure spec;
    private final Map<String, ClusterOps.HelperStarted> hogs = new ConcurrentHashMap<>();
    private final Map<String, Instant> recovered = new ConcurrentHashMap<>();
    private final Map<String, NodeMemoryWatch> watches = new ConcurrentHashMap<>();
    private ClusterOps cluster;
    private String runId;

    public NodeMemoryPressureFault(FaultSpec.NodeMemoryPressure spec) {
        this.spec = spec;
    }

    @Override
    public Injection inject(Plan.Target target, FaultContext context) throws Exception {
        remember(context);
        String node = target.name();
        ClusterOps.NodeMemory memory = context.cluster().nodeMemory(node);
        List<Measurement> measured = new ArrayList<>(List.of(
                mib("allocatable memory", memory.allocatableBytes()),
                mib("memory requested by its pods", memory.requestedBytes())));
        if (memory.pressure()) {
            // The kubelet holds MemoryPressure a while after the memory is back (its transition
            // period): this fault's pressure could not be told from what was there already.
            return Injection.failed(false, "the node reports MemoryPressure already", measured);
        }
        if (memory.usedBytes().isEmpty()) {
            return Injection.failed(false, "cannot size the hog: " + memory.whyUnmeasured(), measured);
        }
        long used = memory.usedBytes().getAsLong();
        measured.add(mib("memory used by its pods", used));
        long fillTo = (long) (memory.allocatableBytes() * spec.fill().fraction());
        long hog = fillTo - used;
        if (hog < (1L << 20)) {
            return Injection.failed(
                    false,
                    "its pods already use %d MiB of its %d MiB allocatable, past the fill (%d MiB): nothing to add"
                            .formatted(used >> 20, memory.allocatableBytes() >> 20, fillTo >> 20),
                    measured);
        }
        // The kubelet admits the hog only while the requests fit in what is allocatable.
        long admissible = memory.allocatableBytes() - memory.requestedBytes() - HelperJob.Mode.HOG_OWN_BYTES;
        if (hog > admissible) {
            return Injection.failed(
                    false,
                    ("its pods request %d MiB of its %d MiB allocatable: a hog of %d MiB (requesting what it holds, so"
                                    + " that the kubelet evicts other pods first) would not be admitted")
                            .formatted(memory.requestedBytes() >> 20, memory.allocatableBytes() >> 20, hog >> 20),
                    measured);
        }
        measured.add(mib("hog size", hog));
        Instant asked = Instant.now();
        Instant faultEnds = spec.holdFor()
                .map(asked::plus)
                .filter(end -> end.isBefore(context.runEnds()))
                .orElse(context.runEnds());
        // Watched from before the hog starts: the kubelet may evict while it is still filling.
        NodeMemoryWatch watch = new NodeMemoryWatch(node, asked, context);
        watches.put(node, watch);
        watch.start();
        // A watch that no follow-up will stop is stopped here, whatever happened (a throw included).
        boolean handedOver = false;
        try {
            Injection injection = fill(node, memory, used, hog, asked, faultEnds, watch, measured, context);
            handedOver = injection.followUp().isPresent();
            return injection;
        } finally {
            if (!handedOver) {
                watch.stop();
            }
        }
    }

    /** Starts the hog and waits for the node's pressure; {@code watch} is already looking. */
    private Injection fill(
            String node,
            ClusterOps.NodeMemory memory,
            long used,
            long hog,
            Instant asked,
            Instant faultEnds,
            NodeMemoryWatch watch,
            List<Measurement> measured,
            FaultContext context)
            throws Exception {
        HelperJob job = new HelperJob(
                context.runId(),
                spec.name(),
                spec.action().word(),
                HelperJob.Mode.HOG,
                spec.hogNamespace(),
                node,
                "",
                node,
                Map.of(
                        HelperJob.Mode.HOG_BYTES,
                        Long.toString(hog),
                        "AFTERSHOCK_RATE_BYTES",
                        Long.toString(spec.bytesPerSecond())),
                Duration.between(asked, faultEnds).plus(HOG_MARGIN));
        // Filling takes size / rate; the pod's start up to a minute more.
        Duration filling = Duration.ofSeconds(hog / spec.bytesPerSecond() + 60);
        ClusterOps.HelperStarted started = context.cluster().startHelper(job, asked.plus(filling));
        hogs.put(node, started);
        String name = started.namespace() + "/" + started.pod();
        measured.add(new Measurement(
                "hog start to filled", Duration.between(asked, started.at()).toMillis(), "ms"));
        if (!started.effective()) {
            return Injection.failed(true, "the hog %s did not fill: %s".formatted(name, started.message()), measured)
                    .effectiveAt(started.at());
        }
        Instant filled = started.at();
        Optional<Instant> pressure = watch.awaitPressure(filled.plus(PRESSURE_LIMIT));
        measured.add(PodWaits.after("memory pressure after", asked, pressure));
        if (pressure.isEmpty()) {
            return Injection.failed(
                            true,
                            ("the hog %s holds %d MiB, yet node %s did not report MemoryPressure within %d s of it being"
                                            + " full (its eviction threshold may be lower: fill more)")
                                    .formatted(name, hog >> 20, node, PRESSURE_LIMIT.toSeconds()),
                            measured)
                    .effectiveAt(filled);
        }
        return new Injection(
                true,
                true,
                "node %s under memory pressure: hog %s holds %d MiB (its pods used %d of %d MiB allocatable)"
                        .formatted(node, name, hog >> 20, used >> 20, memory.allocatableBytes() >> 20),
                measured,
                Optional.of(() -> followed(node, watch, context)),
                filled);
    }

    /**
     * Each pod the kubelet evicted from the node for memory while the fault held it, in the order
     * the watch saw them (ms after the hog's start, with its QoS class and memory request), then
     * when the pressure was over after recovery.
     */
    private List<Measurement> followed(String node, NodeMemoryWatch watch, FaultContext context) throws Exception {
        try {
            Optional<Instant> recoveredAt = awaitRecovered(node, context);
            List<Measurement> measured = new ArrayList<>();
            if (recoveredAt.isPresent()) {
                measured.add(PodWaits.after(
                        "memory pressure over after recovery",
                        recoveredAt.get(),
                        awaitPressure(context, node, false, recoveredAt.get().plus(PRESSURE_OVER_LIMIT))));
            }
            // The evicted pods' replacements may wait for the pressure (and its taint) to be over.
            watch.awaitReplacementsReady(context.runEnds());
            watch.stop();
            List<Measurement> evictions = watch.evictions();
            measured.add(0, new Measurement("pods evicted by the kubelet", evictions.size(), "count"));
            measured.addAll(1, evictions);
            measured.addAll(watch.replacements());
            return measured;
        } finally {
            watch.stop();
        }
    }

    private Optional<Instant> awaitRecovered(String node, FaultContext context) throws InterruptedException {
        while (Instant.now().isBefore(context.runEnds()) && !context.stopping().getAsBoolean()) {
            Instant at = recovered.get(node);
            if (at != null) {
                return Optional.of(at);
            }
            Thread.sleep(POLL.toMillis());
        }
        return Optional.ofNullable(recovered.get(node));
    }

    private static Optional<Instant> awaitPressure(FaultContext context, String node, boolean wanted, Instant deadline)
            throws Exception {
        while (true) {
            if (context.cluster().memoryPressure(node) == wanted) {
                return Optional.of(Instant.now());
            }
            if (Instant.now().isAfter(deadline) || context.stopping().getAsBoolean()) {
                return Optional.empty();
            }
            Thread.sleep(POLL.toMillis());
        }
    }

    private static Measurement mib(String what, long bytes) {
        return new Measurement(what, bytes / (double) (1 << 20), "MiB");
    }

    /**
     * Ends the node's hog (found by its labels too): it empties its memory on the SIGTERM and is
     * deleted; one that does not say so in time is deleted all the same, and its memory goes with
     * its pod's emptyDir.
     */
    @Override
    public Recovery recover(Plan.Target target, FaultContext context) throws Exception {
        String node = target.name();
        List<String> said = OwnHelpers.end(
                context.cluster(),
                context.runId(),
                spec.name(),
                Optional.ofNullable(hogs.get(node)),
                job -> job.node().equals(node));
        recovered.put(node, Instant.now());
        return new Recovery(
                true,
                said.isEmpty()
                        ? "nothing to recover: no hog was started"
                        : "the memory is let go: hog " + String.join("; hog ", said));
    }

    private synchronized void remember(FaultContext context) {
        cluster = context.cluster();
        runId = context.runId();
    }

    /** Clears away any hog of this fault still there, so that none outlives a run that stopped early. */
    @Override
    public synchronized void close() {
        watches.values().forEach(NodeMemoryWatch::stop);
        OwnHelpers.endAll(cluster, runId, spec.name());
    }
}
