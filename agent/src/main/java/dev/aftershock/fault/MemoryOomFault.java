package dev.aftershock.fault;

import dev.aftershock.evaluation.ShutdownTraffic;
import dev.aftershock.journal.Measurement;
import dev.aftershock.model.FaultSpec;
import dev.aftershock.selection.ClusterSnapshot;
import dev.aftershock.selection.Plan;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Grows a container's memory until the kernel's OOM killer kills its process, as a leak would,
 * through a node helper pod that writes a file into a tmpfs of its own from inside the container's
 * memory cgroup: the memory is charged to the container, but it is no one's resident memory, so the
 * OOM killer picks the container's process (the helper checks that first, by the kernel's own
 * badness rule). The helper lets the memory go the moment the kill comes (the restarted container
 * shares its pod's cgroup), at the fault's end, on recovery, or by dying in any way (the tmpfs goes
 * with its mount namespace). The injection is the kill: a run in which the kubelet did not report
 * the container {@code OOMKilled} did not happen as written.
 */
public final class MemoryOomFault implements Fault, AutoCloseable {
    /** Past the fault's end, the helper's own deadline: the kubelet stops it then, and the memory goes. */
    private static final Duration HELPER_MARGIN = Duration.ofSeconds(15);

    private static final Duration START_LIMIT = Duration.ofSeconds(60);

    /** From the kill until the kubelet has restarted the container and said why it ended. */
    private static final Duration RESTART_LIMIT = Duration.ofSeconds(30);

    /** How often the VPA is read after the kill (the recommender's own loop is a minute by default). */
    private static final Duration VPA_POLL = Duration.ofSeconds(2);

    static final String VPA_BEFORE = "vpa memory target before";
    static final String VPA_AFTER = "vpa memory target after";
    static final String VPA_ROSE_AFTER = "vpa memory target rose after";

    private static final Pattern KILLED = Pattern.compile("oom-killed killed=([0-9]+)");
    private static final Pattern GROWN = Pattern.compile("grown=([0-9]+)");

    private final FaultSpec.MemoryOom spec;
    private final Map<String, ClusterOps.HelperStarted> helpers = new ConcurrentHashMap<>();
    private ClusterOps cluster;
    private String runId;

    public MemoryOomFault(FaultSpec.MemoryOom spec) {
        this.spec = spec;
    }

    @Override
    public Injection inject(Plan.Target target, FaultContext context) throws Exception {
        remember(context);
        Plan.PodTarget pod = (Plan.PodTarget) target;
        Optional<ClusterSnapshot.PodView> view = PodWaits.view(context, pod);
        Optional<ClusterOps.PodStatusNow> status = context.cluster().podStatus(pod.namespace(), pod.uid());
        if (view.isEmpty() || status.isEmpty()) {
            return Injection.failed(false, "the pod was gone", List.of());
        }
        Optional<ClusterSnapshot.ContainerView> container = PodWaits.container(spec.container(), view.get());
        if (container.isEmpty()) {
            return Injection.failed(
                    false,
                    spec.container()
                            .map(c -> "the pod has no container " + c)
                            .orElse("the pod has several containers: name one with container"),
                    List.of());
        }
        String name = container.get().name();
        String id = status.get().containerIds().get(name);
        if (id == null || id.isBlank()) {
            return Injection.failed(false, "container %s is not running".formatted(name), List.of());
        }
        if (container.get().memoryLimitBytes().isEmpty() && !spec.growIntoNodeMemory()) {
            return Injection.failed(
                    false,
                    "container %s has no memory limit (growIntoNodeMemory is not set)".formatted(name),
                    List.of());
        }
        Instant asked = Instant.now();
        Instant faultEnds = spec.holdFor()
                .map(asked::plus)
                .filter(end -> end.isBefore(context.runEnds()))
                .orElse(context.runEnds());
        long seconds = Math.max(1, Duration.between(asked, faultEnds).toSeconds());
        // The tmpfs's size: the limit (the kill comes before it is full), or all the fault could grow.
        long cap = container.get().memoryLimitBytes().orElse(Math.multiplyExact(spec.bytesPerSecond(), seconds));
        // The helper stops at the fault's end itself, by the node's clock, however long it took to start.
        long until = faultEnds.getEpochSecond() * 1_000_000_000L + faultEnds.getNano();
        int restartsBefore = status.get().restartsOf(name);
        HelperJob job = new HelperJob(
                context.runId(),
                spec.name(),
                spec.action().word(),
                HelperJob.Mode.GROW,
                pod.namespace(),
                pod.name(),
                pod.uid(),
                view.get().nodeName(),
                Map.of(
                        "AFTERSHOCK_CONTAINER_ID", id,
                        "AFTERSHOCK_RATE_BYTES", Long.toString(spec.bytesPerSecond()),
                        "AFTERSHOCK_MEMORY_CAP", Long.toString(cap),
                        "AFTERSHOCK_GROW_UNTIL", Long.toString(until)),
                Duration.between(asked, faultEnds).plus(HELPER_MARGIN));
        ClusterOps.HelperStarted started = context.cluster().startHelper(job, asked.plus(START_LIMIT));
        helpers.put(pod.uid(), started);
        List<Measurement> measured = new ArrayList<>();
        measured.add(new Measurement(
                "helper start to effective",
                Duration.between(asked, started.at()).toMillis(),
                "ms"));
        container
                .get()
                .memoryLimitBytes()
                .ifPresent(limit -> measured.add(new Measurement("memory limit", limit / (double) (1 << 20), "MiB")));
        String helper = started.namespace() + "/" + started.pod();
        if (!started.effective()) {
            return Injection.failed(
                            true,
                            "the node helper %s grew no memory: %s".formatted(helper, started.message()),
                            measured)
                    .effectiveAt(started.at());
        }
        Instant effective = started.at();
        // The VPA's memory target before the kill, to see it rise after (the recommender counts an
        // OOM kill as a sample above what the container had): read once growing has begun, so that
        // the injection is not held up by it, long before any kill the recommender could count.
        Optional<ClusterOps.VpaMemory> vpaBefore =
                vpa(context, pod, view.get().labels(), name, true).orElse(Optional.empty());
        vpaBefore.flatMap(v -> boxed(v.targetBytes())).ifPresent(bytes -> measured.add(mib(VPA_BEFORE, bytes)));
        // The kill is the fault: the helper grows until it comes (or until the fault's end) and says so.
        Optional<ClusterOps.HelperEnded> ended = Optional.empty();
        Instant lastWordBy = faultEnds.plus(HELPER_MARGIN);
        while (ended.isEmpty()
                && Instant.now().isBefore(lastWordBy)
                && !context.stopping().getAsBoolean()) {
            ended = context.cluster()
                    .awaitHelper(
                            started.namespace(), started.pod(), Instant.now().plusSeconds(1));
        }
        Instant endSeen = Instant.now();
        String said = ended.map(ClusterOps.HelperEnded::message)
                .orElse(
                        context.stopping().getAsBoolean()
                                ? "still growing when the run stopped"
                                : "the helper said nothing");
        // A helper killed too said last how much it had grown so far: the kill came after, so at least that.
        grown(said)
                .ifPresent(mib -> measured.add(new Measurement(
                        said.startsWith("growing") ? "memory grown at least" : "memory grown", mib, "MiB")));
        Matcher killed = KILLED.matcher(said);
        Instant killedAt;
        if (killed.find()) {
            // By the node's clock, kept within what the agent saw.
            killedAt = PodWaits.within(
                    Instant.ofEpochSecond(0, Long.parseLong(killed.group(1))), effective, Instant.now());
        } else if (ended.isPresent() && oomKilledSince(context, pod, name, restartsBefore)) {
            // The kernel may kill the helper too, a moment after the container's process, before the
            // latter's memory is all freed: the helper says nothing then, and its memory goes with it.
            // The kubelet's word is the kill; when is only known to the moment the helper ended.
            killedAt = PodWaits.within(endSeen, effective, endSeen);
        } else {
            return Injection.failed(
                            true,
                            "the node helper %s grew container %s's memory at %s, yet the kernel did not OOM-kill its process: %s"
                                    .formatted(helper, name, rate(), said),
                            measured)
                    .effectiveAt(effective);
        }
        Optional<Instant> restarted = PodWaits.awaitStatus(
                context,
                pod,
                s -> s.restartsOf(name) > restartsBefore,
                Instant.now().plus(RESTART_LIMIT));
        measured.add(PodWaits.after(ShutdownTraffic.RESTARTED_AFTER, effective, restarted));
        String reason = context.cluster()
                .podStatus(pod.namespace(), pod.uid())
                .map(s -> s.lastReasons().getOrDefault(name, "no reason given"))
                .orElse("the pod is gone");
        if (restarted.isEmpty() || !reason.equals("OOMKilled")) {
            return Injection.failed(
                            true,
                            "the node helper %s saw container %s's process killed, yet the kubelet did not report it OOMKilled (%s)"
                                    .formatted(
                                            helper,
                                            name,
                                            restarted.isEmpty()
                                                    ? "no restart within " + RESTART_LIMIT.toSeconds() + " s"
                                                    : reason),
                            measured)
                    .effectiveAt(effective);
        }
        // Only a kill the kubelet confirmed counts: the run's terminations find it by this measurement.
        measured.add(
                0,
                new Measurement(
                        ShutdownTraffic.OOM_KILLED_AFTER,
                        Duration.between(effective, killedAt).toMillis(),
                        "ms"));
        return new Injection(
                true,
                true,
                "container %s was OOM-killed after its memory grew at %s through node helper %s"
                        .formatted(name, rate(), helper),
                measured,
                Optional.of(
                        () -> afterTheKill(context, pod, view.get().labels(), name, effective, killedAt, vpaBefore)),
                effective);
    }

    /**
     * Until the run's end: when the pod was Ready again, and, when a VPA covers the pod, whether and
     * when its memory target rose above what it was before the leak.
     */
    private static List<Measurement> afterTheKill(
            FaultContext context,
            Plan.PodTarget pod,
            Map<String, String> labels,
            String container,
            Instant effective,
            Instant killedAt,
            Optional<ClusterOps.VpaMemory> vpaBefore)
            throws Exception {
        Optional<Long> before = vpaBefore.flatMap(v -> boxed(v.targetBytes()));
        Optional<Instant> ready = Optional.empty();
        Optional<Instant> rose = Optional.empty();
        Optional<Long> target = Optional.empty();
        // Until its target rose above the one before (or, with none before, until it has one).
        boolean watchingVpa = vpaBefore.isPresent();
        Instant nextVpaRead = Instant.now();
        while (Instant.now().isBefore(context.runEnds())
                && !context.stopping().getAsBoolean()
                && (ready.isEmpty() || watchingVpa)) {
            if (ready.isEmpty()
                    && context.cluster()
                            .podStatus(pod.namespace(), pod.uid())
                            .map(ClusterOps.PodStatusNow::ready)
                            .orElse(false)) {
                ready = Optional.of(Instant.now());
            }
            if (watchingVpa && !Instant.now().isBefore(nextVpaRead)) {
                nextVpaRead = Instant.now().plus(VPA_POLL);
                // A read that failed keeps the last target; a VPA gone ends the watching.
                Optional<Optional<ClusterOps.VpaMemory>> read = vpa(context, pod, labels, container, false);
                if (read.isPresent()) {
                    watchingVpa = read.get().isPresent();
                    Optional<Long> now = read.get().flatMap(v -> boxed(v.targetBytes()));
                    target = now.isPresent() ? now : target;
                }
                if (target.isPresent() && (before.isEmpty() || target.get() > before.get())) {
                    if (before.isPresent()) {
                        rose = Optional.of(Instant.now());
                    }
                    watchingVpa = false;
                }
            }
            Thread.sleep(50);
        }
        List<Measurement> measured = new ArrayList<>();
        measured.add(PodWaits.after("ready again after", effective, ready));
        target.ifPresent(bytes -> measured.add(mib(VPA_AFTER, bytes)));
        rose.ifPresent(at -> measured.add(PodWaits.after(VPA_ROSE_AFTER, killedAt, Optional.of(at))));
        return measured;
    }

    /**
     * The pod's VPA now (empty inside: none covers the pod); empty when it could not be read, which
     * is noted on the timeline when {@code note} is set (the first read, and each later failure is
     * retried quietly).
     */
    private static Optional<Optional<ClusterOps.VpaMemory>> vpa(
            FaultContext context, Plan.PodTarget pod, Map<String, String> labels, String container, boolean note) {
        try {
            return Optional.of(context.cluster().vpaMemory(pod.namespace(), labels, container));
        } catch (Exception e) {
            if (note) {
                context.note()
                        .accept("the VerticalPodAutoscaler of pod %s could not be read: %s"
                                .formatted(pod.name(), e.getMessage()));
            }
            return Optional.empty();
        }
    }

    private static Optional<Long> boxed(java.util.OptionalLong value) {
        return value.isPresent() ? Optional.of(value.getAsLong()) : Optional.empty();
    }

    private static Measurement mib(String name, long bytes) {
        return new Measurement(name, bytes / (double) (1 << 20), "MiB");
    }

    private String rate() {
        long r = spec.bytesPerSecond();
        return r % (1L << 30) == 0
                ? r / (1L << 30) + "Gi/s"
                : r % (1L << 20) == 0 ? r / (1L << 20) + "Mi/s" : r / 1024 + "Ki/s";
    }

    /** The kubelet restarted the container, and says its last instance was OOM-killed (waits up to 10 s). */
    private static boolean oomKilledSince(
            FaultContext context, Plan.PodTarget pod, String container, int restartsBefore) throws Exception {
        return PodWaits.awaitStatus(
                        context,
                        pod,
                        s -> s.restartsOf(container) > restartsBefore
                                && "OOMKilled".equals(s.lastReasons().get(container)),
                        Instant.now().plusSeconds(10))
                .isPresent();
    }

    private static Optional<Double> grown(String said) {
        Matcher m = GROWN.matcher(said);
        return m.find() ? Optional.of(Double.parseDouble(m.group(1))) : Optional.empty();
    }

    /**
     * Ends each helper of this target (found by its labels too, should the run not have seen its
     * start through): it lets its memory go on the SIGTERM, and is deleted. One that does not say so
     * in time is deleted all the same: its memory is a tmpfs of its own, which goes with it.
     */
    @Override
    public Recovery recover(Plan.Target target, FaultContext context) throws Exception {
        Plan.PodTarget pod = (Plan.PodTarget) target;
        List<String> said = OwnHelpers.end(
                context.cluster(),
                context.runId(),
                spec.name(),
                Optional.ofNullable(helpers.get(pod.uid())),
                job -> job.targetUid().equals(pod.uid()));
        return new Recovery(
                true,
                said.isEmpty()
                        ? "nothing to recover: no node helper was started"
                        : "the memory is let go: node helper " + String.join("; node helper ", said));
    }

    private synchronized void remember(FaultContext context) {
        cluster = context.cluster();
        runId = context.runId();
    }

    /** Clears away any helper of this fault still there, so that none outlives a run that stopped early. */
    @Override
    public synchronized void close() {
        OwnHelpers.endAll(cluster, runId, spec.name());
    }
}
