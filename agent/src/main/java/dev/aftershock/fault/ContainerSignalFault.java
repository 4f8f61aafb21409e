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

/**
 * Sends a signal to one container's main process through a node helper pod, the pod left as it is:
 * the process gets it while the pod is still an endpoint, as in a node shutdown or a runtime
 * restart, and nothing tells the Services it is going until its readiness probe fails. Measured as
 * an SRE reads a shutdown: when the process exited (by the node's clock), its exit code, when it
 * left its Services' rotation, the restart, Ready again, and the requests that failed while the
 * dying container was still listed. Nothing to recover: the kubelet restarts what exits.
 */
public final class ContainerSignalFault implements Fault, AutoCloseable {
    /** How long after the run the helper may still wait for a process that ignores the signal. */
    private static final Duration HELPER_MARGIN = Duration.ofSeconds(15);

    private final FaultSpec.ContainerSignal spec;
    private ClusterOps.RotationWatch rotation;

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
        Optional<ClusterSnapshot.PodView> view = context.cluster().pods(pod.namespace()).stream()
                .filter(p -> p.uid().equals(pod.uid()))
                .findFirst();
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
        if (id == null) {
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
        return new Injection(
                true,
                false,
                "%s sent to the main process of container %s through node helper %s"
                        .formatted(spec.signal(), container.get(), helper),
                measured,
                Optional.of(() -> whatFollowed(
                        pod, container.get(), started, signalled, wasInRotation, restartsBefore, rotation, context)),
                signalled);
    }

    /** Each NaN when it did not happen before the run ended. */
    private List<Measurement> whatFollowed(
            Plan.PodTarget pod,
            String container,
            ClusterOps.HelperStarted helper,
            Instant signalled,
            boolean wasInRotation,
            int restartsBefore,
            ClusterOps.RotationWatch rotation,
            FaultContext context)
            throws Exception {
        List<Measurement> measured = new ArrayList<>();
        Optional<ClusterOps.HelperEnded> ended =
                context.cluster().awaitHelper(helper.namespace(), helper.pod(), context.runEnds());
        // The helper goes either way: asked to stop (it says the process was still running) and deleted.
        ClusterOps.HelperEnded last = context.cluster()
                .endHelper(helper.namespace(), helper.pod(), Instant.now().plusSeconds(30));
        Optional<Instant> exited = ended.or(() -> Optional.of(last))
                .filter(e -> e.message().startsWith("exited"))
                .flatMap(ClusterOps.HelperEnded::at);
        measured.add(PodWaits.after(ShutdownTraffic.PROCESS_EXITED_AFTER, signalled, exited));
        if (wasInRotation) {
            measured.add(PodWaits.after(
                    ShutdownTraffic.LEFT_ROTATION_AFTER,
                    signalled,
                    rotation.awaitLeftRotation(pod.uid(), signalled, context.runEnds())));
        }
        Optional<Instant> restarted =
                PodWaits.awaitStatus(context, pod, s -> s.restartsOf(container) > restartsBefore, context.runEnds());
        measured.add(PodWaits.after(ShutdownTraffic.RESTARTED_AFTER, signalled, restarted));
        if (restarted.isPresent()) {
            context.cluster()
                    .podStatus(pod.namespace(), pod.uid())
                    .map(s -> s.lastExitCodes().get(container))
                    .ifPresent(code -> measured.add(new Measurement("exit code", code, "code")));
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
        }
        return rotation;
    }

    @Override
    public synchronized void close() {
        if (rotation != null) {
            rotation.close();
        }
    }
}
