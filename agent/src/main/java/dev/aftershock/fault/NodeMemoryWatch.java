package dev.aftershock.fault;

import dev.aftershock.journal.Measurement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A node under a memory fault, as it is watched from the hog's start every half second on a
 * thread of its own: the first MemoryPressure; each pod the kubelet evicted for memory (not one
 * that had failed before, not one it refused to admit, not the hog), with what it used when the
 * metrics API last measured it; and, for a pod a controller replaces, where and when its
 * replacement was scheduled and Ready.
 */
final class NodeMemoryWatch {
    private static final Duration POLL = Duration.ofMillis(500);

    private static final Duration STOP_WAIT = Duration.ofSeconds(5);

    /** metrics-server measures every 10 to 15 s: reading it more often tells nothing new. */
    private static final int ROUNDS_PER_USE_READ = 10;

    /** Creation times are to the second, rounded down. */
    private static final Duration CREATED_SLACK = Duration.ofSeconds(1);

    private final String node;
    private final Instant from;
    private final FaultContext context;
    private final Set<String> failedBefore = new HashSet<>();
    private final Map<String, Long> lastUse = new HashMap<>();
    private final Map<String, Eviction> evicted = new LinkedHashMap<>();
    private volatile Instant pressureAt;
    private volatile boolean stopped;
    private volatile Thread thread;
    /** When the round before this one began: an eviction first seen now happened after it. */
    private Instant previousRound;

    private Instant thisRound;

    /** An evicted pod and its replacement as far as it was seen. */
    private static final class Eviction {
        final ClusterOps.PodOnNode pod;
        final Instant at;
        /** The start of the last round that did not see it evicted: its replacement came after. */
        final Instant notBefore;

        final Measurement measured;
        ClusterOps.PodLike replacement;
        Instant scheduledAt;
        Instant readyAt;

        Eviction(ClusterOps.PodOnNode pod, Instant at, Instant notBefore, Measurement measured) {
            this.pod = pod;
            this.at = at;
            this.notBefore = notBefore;
            this.measured = measured;
        }

        boolean awaitsReplacement() {
            return !pod.controllerUid().isEmpty() && readyAt == null;
        }

        String subject() {
            return pod.namespace() + "/" + pod.name();
        }
    }

    NodeMemoryWatch(String node, Instant from, FaultContext context) throws Exception {
        this.node = node;
        this.from = from;
        this.context = context;
        context.cluster().podsOnNode(node).stream()
                .filter(ClusterOps.PodOnNode::evictedForMemory)
                .forEach(p -> failedBefore.add(p.uid()));
    }

    void start() {
        thread = Thread.ofVirtual().name("aftershock-node-watch-" + node).start(this::run);
    }

    private void run() {
        int round = 0;
        while (!stopped
                && Instant.now().isBefore(context.runEnds())
                && !context.stopping().getAsBoolean()) {
            previousRound = thisRound == null ? from : thisRound;
            thisRound = Instant.now();
            try {
                if (round++ % ROUNDS_PER_USE_READ == 0) {
                    readUse();
                }
                if (pressureAt == null && context.cluster().memoryPressure(node)) {
                    pressureAt = Instant.now();
                }
                seeEvictions();
                followReplacements();
            } catch (Exception e) {
                // The next round looks again: a slow or refused read loses half a second, not the run.
            }
            try {
                Thread.sleep(POLL.toMillis());
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void readUse() {
        try {
            Map<String, Long> use = context.cluster().memoryUseOnNode(node);
            synchronized (evicted) {
                lastUse.putAll(use);
            }
        } catch (Exception e) {
            // An eviction then goes without what its pod used: the metrics API is not the evidence.
        }
    }

    private void seeEvictions() throws Exception {
        for (ClusterOps.PodOnNode p : context.cluster().podsOnNode(node)) {
            // Not the hog (nor any other helper): its name is known only once it has filled.
            if (p.evictedForMemory()
                    && !failedBefore.contains(p.uid())
                    && !p.name().startsWith(HelperJob.POD_NAME_PREFIX)) {
                synchronized (evicted) {
                    evicted.computeIfAbsent(p.uid(), k -> {
                        Instant now = Instant.now();
                        Long used = lastUse.get(p.uid());
                        return new Eviction(
                                p,
                                now,
                                previousRound,
                                new Measurement(
                                        "evicted %s/%s (%s, requests %d MiB%s)"
                                                .formatted(
                                                        p.namespace(),
                                                        p.name(),
                                                        p.qos(),
                                                        p.requestBytes() >> 20,
                                                        used == null ? "" : ", used %d MiB".formatted(used >> 20)),
                                        Duration.between(from, now).toMillis(),
                                        "ms"));
                    });
                }
            }
        }
    }

    /**
     * For each evicted pod a controller replaces: the newest pod of that controller with exactly its
     * labels (a ReplicaSet's and a StatefulSet's replacements have them), created after the
     * eviction and claimed by no other eviction; then when it was scheduled, where, and Ready.
     */
    private void followReplacements() throws Exception {
        List<Eviction> waiting;
        Set<String> claimed = new HashSet<>();
        synchronized (evicted) {
            waiting = evicted.values().stream()
                    .filter(Eviction::awaitsReplacement)
                    .toList();
            evicted.values().stream().filter(e -> e.replacement != null).forEach(e -> claimed.add(e.replacement.uid()));
        }
        for (Eviction e : waiting) {
            // A replacement the kubelet refused (a node under pressure admits no BestEffort pod) is
            // followed by another: the one followed is the one not failed.
            List<ClusterOps.PodLike> alive =
                    context.cluster().podsLike(e.pod.namespace(), e.pod.labels(), e.pod.controllerUid()).stream()
                            .filter(p -> !p.failed() && !p.uid().equals(e.pod.uid()))
                            .toList();
            ClusterOps.PodLike followed = e.replacement;
            Optional<ClusterOps.PodLike> now = alive.stream()
                    .filter(p -> followed != null && p.uid().equals(followed.uid()))
                    .findFirst()
                    .or(() -> alive.stream()
                            .filter(p -> !claimed.contains(p.uid())
                                    && !p.created().isBefore(e.notBefore.minus(CREATED_SLACK)))
                            .min(java.util.Comparator.comparing(ClusterOps.PodLike::created)));
            synchronized (evicted) {
                if (now.isEmpty() || (followed != null && !now.get().uid().equals(followed.uid()))) {
                    e.scheduledAt = null;
                }
                e.replacement = now.orElse(null);
                if (now.isEmpty()) {
                    continue;
                }
                claimed.add(now.get().uid());
                if (e.scheduledAt == null && !now.get().node().isEmpty()) {
                    e.scheduledAt = Instant.now();
                }
                if (e.readyAt == null && now.get().ready()) {
                    e.readyAt = Instant.now();
                }
            }
        }
    }

    Optional<Instant> awaitPressure(Instant deadline) throws InterruptedException {
        while (pressureAt == null
                && Instant.now().isBefore(deadline)
                && !context.stopping().getAsBoolean()) {
            Thread.sleep(100);
        }
        return Optional.ofNullable(pressureAt);
    }

    /** Until every evicted pod a controller replaces has a Ready replacement, or the deadline. */
    void awaitReplacementsReady(Instant deadline) throws InterruptedException {
        while (Instant.now().isBefore(deadline)
                && !stopped
                && !context.stopping().getAsBoolean()) {
            synchronized (evicted) {
                if (evicted.values().stream().noneMatch(Eviction::awaitsReplacement)) {
                    return;
                }
            }
            Thread.sleep(POLL.toMillis());
        }
    }

    /** Each eviction, in the order the watch saw them: ms after the hog's start. */
    List<Measurement> evictions() {
        synchronized (evicted) {
            return evicted.values().stream().map(e -> e.measured).toList();
        }
    }

    /**
     * For each evicted pod a controller replaces, ms after its eviction was seen: {@code replacement
     * of <ns>/<pod> scheduled on <node> after} (without the node when it was not) and {@code ... ready
     * after}; not a number when it did not happen while the run watched.
     */
    List<Measurement> replacements() {
        List<Measurement> measured = new ArrayList<>();
        synchronized (evicted) {
            for (Eviction e : evicted.values()) {
                if (e.pod.controllerUid().isEmpty()) {
                    continue;
                }
                String of = "replacement of " + e.subject();
                measured.add(PodWaits.after(
                        e.scheduledAt == null
                                ? of + " scheduled after"
                                : of + " scheduled on " + e.replacement.node() + " after",
                        e.at,
                        Optional.ofNullable(e.scheduledAt)));
                measured.add(PodWaits.after(of + " ready after", e.at, Optional.ofNullable(e.readyAt)));
            }
        }
        return measured;
    }

    /** Stops the watch and waits (briefly) for its round to end, so that what it reports holds still. */
    void stop() {
        stopped = true;
        Thread t = thread;
        if (t != null && t != Thread.currentThread()) {
            t.interrupt();
            try {
                t.join(STOP_WAIT);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
