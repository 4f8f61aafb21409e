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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Sends a signal to one container's main process through a node helper pod, the pod left as it is:
 * the process gets it while the pod is still an endpoint, as in a node shutdown or a runtime
 * restart, and nothing tells the Services it is going until its readiness probe fails. Measured as
 * an SRE reads a shutdown: when the process exited (both ends by the node's clock), its exit code,
 * when it left its Services' rotation, the restart, Ready again, and the requests that failed while
 * the dying container was still listed. Nothing to put back (the kubelet restarts what exits), but
 * the helper pods are this fault's to clear away: when each has said its last, when the run stops,
 * and at the latest when the fault is closed.
 */
public final class ContainerSignalFault implements Fault, AutoCloseable {
    /** How long after the run the helper may still wait for a process that ignores the signal. */
    private static final Duration HELPER_MARGIN = Duration.ofSeconds(15);

    private final FaultSpec.ContainerSignal spec;
    private final ExecutorService watching = Executors.newVirtualThreadPerTaskExecutor();
    private ClusterOps.RotationWatch rotation;
    private ClusterOps cluster;
    private String runId;

    public ContainerSignalFault(FaultSpec.ContainerSignal spec) {
        this.spec = spec;
    }

    @Override
    public void prepare(List<Plan.Target> planned, FaultContext context) throws Exception {
        rotation(context);
    }

    @Override
    public Injection inject(Plan.Target target, FaultContext context) throws Exception {
        Plan.PodTarget pod = (Plan.PodTarget) target;
        Optional<ClusterSnapshot.PodView> view = PodWaits.view(context, pod);
        Optional<ClusterOps.PodStatusNow> status = context.cluster().podStatus(pod.namespace(), pod.uid());
        if (view.isEmpty() || status.isEmpty()) {
            return Injection.failed(false, "the pod was gone", List.of());
        }
        Optional<String> container = spec.container()
                .or(() -> view.get().containers().size() == 1
                        ? Optional.of(view.get().containers().get(0).name())
                        : Optional.empty());
        if (container.isEmpty()) {
            return Injection.failed(false, "the pod has several containers: name one with container", List.of());
        }
        String id = status.get().containerIds().get(container.get());
        if (id == null || id.isBlank()) {
            return Injection.failed(false, "container %s is not running".formatted(container.get()), List.of());
        }
        ClusterOps.RotationWatch rotation = rotation(context);
        boolean wasInRotation = rotation.inRotation(pod.uid());
        int restartsBefore = status.get().restartsOf(container.get());
        Instant asked = Instant.now();
        HelperJob job = new HelperJob(
                context.runId(),
                spec.name(),
                spec.action().word(),
                HelperJob.Mode.SIGNAL,
                pod.namespace(),
                pod.name(),
                pod.uid(),
                view.get().nodeName(),
                Map.of(
                        "AFTERSHOCK_CONTAINER_ID",
                        id,
                        "AFTERSHOCK_SIGNAL",
                        spec.signal().shortName()),
                Duration.between(asked, context.runEnds()).plus(HELPER_MARGIN));
        ClusterOps.HelperStarted started = context.cluster().startHelper(job, asked.plusSeconds(60));
        List<Measurement> measured = new ArrayList<>(List.of(new Measurement(
                "helper start to effective",
                Duration.between(asked, started.at()).toMillis(),
                "ms")));
        String helper = started.namespace() + "/" + started.pod();
        if (!started.effective()) {
            // Its pod is cleared away at once: a signal that was not sent leaves nothing else.
            context.cluster()
                    .endHelper(started.namespace(), started.pod(), Instant.now().plusSeconds(30));
            return Injection.failed(
                            false,
                            "the node helper %s did not send %s: %s"
                                    .formatted(helper, spec.signal(), started.message()),
                            measured)
                    .effectiveAt(started.at());
        }
        Instant signalled = started.at();
        // Sent: the run's terminations count this one (see Terminations).
        measured.add(0, new Measurement(ShutdownTraffic.SIGNAL, spec.signal().number(), ""));
        // The restart is watched from the signal on, beside the waits below, so it is timed when it happens.
        CompletableFuture<Optional<Instant>> restarted = CompletableFuture.supplyAsync(
                () -> {
                    try {
                        return PodWaits.awaitStatus(
                                context, pod, s -> s.restartsOf(container.get()) > restartsBefore, context.runEnds());
                    } catch (Exception e) {
                        return Optional.empty();
                    }
                },
                watching);
        return new Injection(
                true,
                false,
                "%s sent to the main process of container %s through node helper %s"
                        .formatted(spec.signal(), container.get(), helper),
                measured,
                Optional.of(() -> whatFollowed(
                        pod, container.get(), started, signalled, wasInRotation, restarted, rotation, context)),
                signalled);
    }

    /** Each NaN when it did not happen before the run ended (or stopped). */
    private List<Measurement> whatFollowed(
            Plan.PodTarget pod,
            String container,
            ClusterOps.HelperStarted helper,
            Instant signalled,
            boolean wasInRotation,
            CompletableFuture<Optional<Instant>> restarted,
            ClusterOps.RotationWatch rotation,
            FaultContext context)
            throws Exception {
        List<Measurement> measured = new ArrayList<>();
        Optional<ClusterOps.HelperEnded> ended = Optional.empty();
        // In short waits, so that a run that stops does not wait for a process that ignores the signal.
        while (ended.isEmpty()
                && Instant.now().isBefore(context.runEnds())
                && !context.stopping().getAsBoolean()) {
            Instant chunk = Instant.now().plusSeconds(1);
            ended = context.cluster()
                    .awaitHelper(
                            helper.namespace(),
                            helper.pod(),
                            chunk.isBefore(context.runEnds()) ? chunk : context.runEnds());
        }
        // The helper goes either way: asked to stop (it says the process was still running) and deleted.
        ClusterOps.HelperEnded last = context.cluster()
                .endHelper(helper.namespace(), helper.pod(), Instant.now().plusSeconds(30));
        ClusterOps.HelperEnded said = ended.orElse(last);
        Optional<Instant> exitedOnNode =
                Optional.of(said).filter(e -> e.message().startsWith("exited")).flatMap(ClusterOps.HelperEnded::at);
        if (exitedOnNode.isPresent() && helper.nodeAt().isPresent()) {
            // Both ends by the node's clock, so that a skew between node and agent does not count.
            measured.add(new Measurement(
                    ShutdownTraffic.PROCESS_EXITED_AFTER,
                    Math.max(
                            0,
                            Duration.between(helper.nodeAt().get(), exitedOnNode.get())
                                    .toMillis()),
                    "ms"));
        } else if (said.message().startsWith("still running")) {
            // NaN: it had not exited by the run's end (a process that ignores SIGTERM).
            measured.add(new Measurement(ShutdownTraffic.PROCESS_EXITED_AFTER, Double.NaN, "ms"));
        }
        // Otherwise the helper went without saying: the exit is not measured, and the run's terminations say so.
        if (wasInRotation) {
            measured.add(PodWaits.after(
                    ShutdownTraffic.LEFT_ROTATION_AFTER,
                    signalled,
                    rotation.awaitLeftRotation(pod.uid(), signalled, context.runEnds())));
        }
        Optional<Instant> restartedAt = restarted.join();
        measured.add(PodWaits.after(ShutdownTraffic.RESTARTED_AFTER, signalled, restartedAt));
        if (restartedAt.isPresent()) {
            context.cluster()
                    .podStatus(pod.namespace(), pod.uid())
                    .map(s -> s.lastExitCodes().get(container))
                    .ifPresent(code -> measured.add(new Measurement("exit code", code, "")));
            measured.add(PodWaits.after(
                    "ready again after",
                    signalled,
                    PodWaits.awaitStatus(context, pod, ClusterOps.PodStatusNow::ready, context.runEnds())));
        }
        return measured;
    }

    @Override
    public Recovery recover(Plan.Target target, FaultContext context) {
        return new Recovery(true, "nothing to recover: the kubelet restarts a container that exits");
    }

    private synchronized ClusterOps.RotationWatch rotation(FaultContext context) throws Exception {
        if (rotation == null) {
            rotation = context.cluster().watchRotation(spec.pods().namespace());
            cluster = context.cluster();
            runId = context.runId();
        }
        return rotation;
    }

    /**
     * Clears away every helper pod of this fault that is still there (found by its labels, so also
     * one whose start the run did not see through): a run that stopped before its follow-ups did
     * leaves none for the next run to find.
     */
    @Override
    public synchronized void close() {
        watching.shutdownNow();
        if (rotation != null) {
            rotation.close();
        }
        OwnHelpers.endAll(cluster, runId, spec.name());
    }
}
