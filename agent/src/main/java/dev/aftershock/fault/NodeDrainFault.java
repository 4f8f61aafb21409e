package dev.aftershock.fault;

import dev.aftershock.evaluation.ShutdownTraffic;
import dev.aftershock.journal.Measurement;
import dev.aftershock.model.FaultSpec;
import dev.aftershock.selection.Plan;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Cordons a node, then evicts its pods through the Eviction API, several at once. A 429 (a
 * PodDisruptionBudget says not now) is retried with backoff until evictionTimeout, one eviction per
 * budget at a time (the others wait their turn: {@link BudgetProbes}), and the time each
 * budget held evictions back is measured. Waits for evicted pods to be gone by watching. Recovery
 * uncordons; a drain that reaches its timeout is recovered at once.
 */
public final class NodeDrainFault implements Fault {
    private static final Pattern BUDGET = Pattern.compile("disruption budget ([\\w.-]+)");
    private static final Duration FIRST_BACKOFF = Duration.ofMillis(250);
    // A budget frees up as soon as a replacement is Ready: notice it within half a second. Only one
    // eviction per budget asks at this rate (see BudgetProbes), however many wait on it.
    private static final Duration MAX_BACKOFF = Duration.ofMillis(500);

    private final FaultSpec.NodeDrain spec;
    private final NodeCordonFault cordon;
    /** Shared by the fault's nodes: pods of one budget may sit on several of them. */
    private final BudgetProbes probes = new BudgetProbes();

    public NodeDrainFault(FaultSpec.NodeDrain spec) {
        this.spec = spec;
        this.cordon = new NodeCordonFault(spec);
    }

    private record PodOutcome(String pod, boolean gone, String problem) {}

    @Override
    public Injection inject(Plan.Target target, FaultContext context) throws Exception {
        Instant started = Instant.now();
        cordon.inject(target, context);
        Instant cordoned = Instant.now();
        Plan.NodeTarget node = (Plan.NodeTarget) target;
        Instant deadline = min(started.plus(spec.evictionTimeout()), context.runEnds());
        Map<String, Long> blockedMillis = new ConcurrentHashMap<>();
        AtomicInteger retries = new AtomicInteger();
        Semaphore slots = new Semaphore(spec.concurrency());
        List<PodOutcome> outcomes = new ArrayList<>();
        try (ExecutorService evictions = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<PodOutcome>> futures = new ArrayList<>();
            for (Plan.PodRef pod : node.toEvict()) {
                futures.add(evictions.submit(() -> {
                    slots.acquire();
                    try {
                        return evict(pod, deadline, context, blockedMillis, retries);
                    } finally {
                        slots.release();
                    }
                }));
            }
            for (Future<PodOutcome> f : futures) {
                outcomes.add(f.get());
            }
        }
        List<Measurement> measurements = new ArrayList<>();
        long gone = outcomes.stream().filter(PodOutcome::gone).count();
        measurements.add(new Measurement(ShutdownTraffic.PODS_EVICTED, gone, "count"));
        measurements.add(new Measurement("eviction retries (429)", retries.get(), "count"));
        blockedMillis.entrySet().stream()
                .sorted(Map.Entry.comparingByKey())
                .forEach(e -> measurements.add(new Measurement("blocked by PDB " + e.getKey(), e.getValue(), "ms")));
        measurements.add(new Measurement(
                "drain took", Duration.between(started, Instant.now()).toMillis(), "ms"));
        List<String> problems = outcomes.stream()
                .map(PodOutcome::problem)
                .filter(p -> p != null)
                .toList();
        if (problems.isEmpty()) {
            return Injection.done(
                            true, "cordoned and drained %d pod%s".formatted(gone, gone == 1 ? "" : "s"), measurements)
                    .effectiveAt(cordoned);
        }
        return Injection.failed(
                        true,
                        "drain incomplete after %s: %s"
                                .formatted(
                                        dev.aftershock.journal.Format.millis(Duration.between(started, Instant.now())
                                                .toMillis()),
                                        String.join("; ", problems)),
                        measurements)
                .effectiveAt(cordoned);
    }

    private PodOutcome evict(
            Plan.PodRef pod,
            Instant deadline,
            FaultContext context,
            Map<String, Long> blockedMillis,
            AtomicInteger retries)
            throws Exception {
        String ref = pod.namespace() + "/" + pod.name();
        Duration backoff = FIRST_BACKOFF;
        Instant blockedSince = null;
        String blockedBy = null;
        String uid = pod.uid();
        BudgetProbes.Turn turn = null;
        try {
            while (true) {
                if (context.stopping().getAsBoolean()) {
                    // An abort or a signal: recovery comes first; evicting more would only deepen the outage.
                    return new PodOutcome(ref, false, ref + " not evicted: the run was stopping");
                }
                ClusterOps.Eviction outcome =
                        context.cluster().evict(pod.namespace(), pod.name(), uid, spec.gracePeriod());
                if (outcome instanceof ClusterOps.AlreadyGone) {
                    return new PodOutcome(ref, true, null);
                }
                if (outcome instanceof ClusterOps.EvictionFailed failed) {
                    return new PodOutcome(
                            ref,
                            false,
                            "%s could not be evicted (HTTP %d): %s"
                                    .formatted(ref, failed.httpStatus(), failed.reason()));
                }
                if (outcome instanceof ClusterOps.BlockedByBudget blocked) {
                    if (blockedSince == null) {
                        blockedSince = Instant.now();
                        blockedBy = budgetName(blocked.reason(), pod.namespace());
                        context.note()
                                .accept("eviction of %s blocked by PodDisruptionBudget %s".formatted(ref, blockedBy));
                    }
                    retries.incrementAndGet();
                    Duration remaining = Duration.between(Instant.now(), deadline);
                    if (remaining.isNegative() || remaining.isZero()) {
                        blockedMillis.merge(
                                blockedBy,
                                Duration.between(blockedSince, Instant.now()).toMillis(),
                                Long::sum);
                        return new PodOutcome(
                                ref,
                                false,
                                "%s still blocked by PodDisruptionBudget %s at evictionTimeout (%s)"
                                        .formatted(
                                                ref,
                                                blockedBy,
                                                dev.aftershock.model.Durations.format(spec.evictionTimeout())));
                    }
                    if (turn == null) {
                        // One eviction at a time asks this budget again (see BudgetProbes).
                        turn = probes.await(blockedBy, deadline, context.stopping())
                                .orElse(null);
                        if (turn == null || turn.waited()) {
                            // The one before got through (the budget may have room now), or time is up.
                            continue;
                        }
                    }
                    // Back off, but try once more right at the deadline rather than give up early.
                    Thread.sleep(Math.min(backoff.toMillis(), remaining.toMillis()));
                    backoff =
                            backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
                    continue;
                }
                // Evicted, or already gone: the time blocked ends here; wait for the pod to be gone.
                if (blockedSince != null) {
                    blockedMillis.merge(
                            blockedBy,
                            Duration.between(blockedSince, Instant.now()).toMillis(),
                            Long::sum);
                }
                if (turn != null) {
                    // The next eviction waiting on the budget asks now; this one only waits for its pod.
                    turn.close();
                    turn = null;
                }
                boolean gone =
                        context.cluster().awaitGone(pod.namespace(), pod.name(), uid, deadline, context.stopping());
                return new PodOutcome(
                        ref, gone, gone ? null : ref + " evicted but still terminating at evictionTimeout");
            }
        } finally {
            if (turn != null) {
                turn.close();
            }
        }
    }

    static String budgetName(String reason, String namespace) {
        Matcher m = BUDGET.matcher(reason == null ? "" : reason);
        return m.find() ? namespace + "/" + m.group(1) : namespace + "/(unnamed budget)";
    }

    @Override
    public Recovery recover(Plan.Target target, FaultContext context) throws Exception {
        return cordon.recover(target, context);
    }

    private static Instant min(Instant a, Instant b) {
        return a.isBefore(b) ? a : b;
    }
}
