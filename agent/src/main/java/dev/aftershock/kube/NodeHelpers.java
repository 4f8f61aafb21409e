package dev.aftershock.kube;

import dev.aftershock.fault.ClusterOps;
import dev.aftershock.fault.HelperJob;
import io.kubernetes.client.custom.Quantity;
import io.kubernetes.client.custom.V1Patch;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1Capabilities;
import io.kubernetes.client.openapi.models.V1Container;
import io.kubernetes.client.openapi.models.V1ContainerState;
import io.kubernetes.client.openapi.models.V1ContainerStatus;
import io.kubernetes.client.openapi.models.V1EnvVar;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodSpec;
import io.kubernetes.client.openapi.models.V1ResourceRequirements;
import io.kubernetes.client.openapi.models.V1SecurityContext;
import io.kubernetes.client.openapi.models.V1Toleration;
import io.kubernetes.client.openapi.models.V1Volume;
import io.kubernetes.client.openapi.models.V1VolumeMount;
import io.kubernetes.client.util.PatchUtils;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Node helper pods: one short-lived pod per injection, pinned to the target's node, in the helper
 * namespace (the target's own when none is set); privileged, but for the memory hog, which has no
 * privilege at all. The agent itself never needs more than
 * the right to create, read, patch and delete pods there: the privileges are the helper's, for its
 * life only. The helper (testbed/helper/aftershock-helper) installs its rule in an init container,
 * so the pod's status says when the fault took effect, then holds it until SIGTERM: from the agent
 * lowering {@code activeDeadlineSeconds}, or from the kubelet at the deadline set at creation, which
 * puts the fault back even when the agent is gone. Its last word, the termination message, says
 * whether it reverted.
 */
public final class NodeHelpers {
    /** {@code image} empty: helpers are off, and faults that need one are refused at plan time. */
    public record Settings(Optional<String> image, Optional<String> namespace) {
        public static final Settings OFF = new Settings(Optional.empty(), Optional.empty());
    }

    public static final String HELPER_LABEL = "aftershock.dev/helper";
    static final String RUN_LABEL = "aftershock.dev/run";
    static final String FAULT_LABEL = "aftershock.dev/fault";
    static final String ACTION_LABEL = "aftershock.dev/action";
    static final String TARGET = "aftershock.dev/target";
    static final String TARGET_UID = "aftershock.dev/target-uid";
    static final String MODE = "aftershock.dev/helper-mode";
    /** The time a helper has to revert and exit after its SIGTERM. */
    private static final long GRACE_SECONDS = 10;

    private static final Duration POLL = Duration.ofMillis(50);

    private final CoreV1Api core;
    private final ApiClient client;
    private final Settings settings;

    public NodeHelpers(ApiClient client, Settings settings) {
        this.client = client;
        this.core = new CoreV1Api(client);
        this.settings = settings;
    }

    private String namespaceFor(HelperJob job) {
        return settings.namespace().orElse(job.targetNamespace());
    }

    public Optional<String> refusal(HelperJob job) {
        if (settings.image().isEmpty()) {
            return Optional.of("node helpers are off (no helper image: give --helper-image, or set"
                    + " AFTERSHOCK_HELPER_IMAGE; the chart's helpers.enabled)");
        }
        String ns = namespaceFor(job);
        try {
            core.createNamespacedPod(ns, pod(job)).dryRun("All").execute();
            return Optional.empty();
        } catch (ApiException e) {
            String why = StatusMessages.messageOf(e);
            if (e.getCode() == 404) {
                return Optional.of("the helper namespace %s does not exist".formatted(ns));
            }
            return Optional.of("namespace %s refuses the node helper pod (HTTP %d: %s)%s"
                    .formatted(
                            ns,
                            e.getCode(),
                            why,
                            settings.namespace().isEmpty()
                                    ? "; give --helper-namespace a namespace that allows privileged pods"
                                    : ""));
        }
    }

    public ClusterOps.HelperStarted start(HelperJob job, Instant deadline) throws ApiException, InterruptedException {
        if (settings.image().isEmpty()) {
            throw new IllegalStateException(
                    "node helpers are off: give --helper-image (or AFTERSHOCK_HELPER_IMAGE)" + " to start a helper");
        }
        String ns = namespaceFor(job);
        Instant asked = Instant.now();
        V1Pod created = core.createNamespacedPod(ns, pod(job)).execute();
        String name = created.getMetadata().getName();
        while (true) {
            V1Pod pod;
            try {
                pod = core.readNamespacedPod(name, ns).execute();
            } catch (ApiException e) {
                // The helper exists and may act: say so, so that the caller ends it (or recover finds it).
                return new ClusterOps.HelperStarted(
                        ns, name, false, "cannot read the helper: " + StatusMessages.messageOf(e), Instant.now());
            }
            Optional<ClusterOps.HelperStarted> outcome = firstStep(job.mode(), ns, pod);
            if (outcome.isPresent() && (!outcome.get().effective() || mainStarted(job.mode(), pod))) {
                ClusterOps.HelperStarted seen = outcome.get();
                return new ClusterOps.HelperStarted(
                        seen.namespace(),
                        seen.pod(),
                        seen.effective(),
                        words(seen.message()),
                        actedAt(seen, asked),
                        nodeTime(seen.message()));
            }
            if (Instant.now().isAfter(deadline)) {
                return new ClusterOps.HelperStarted(
                        ns, name, false, "the helper did not act in time: " + describe(pod), Instant.now());
            }
            Thread.sleep(POLL.toMillis());
        }
    }

    /**
     * After an injection, the main container that will revert it must be running (its trap set a
     * moment later) before the agent may ask it to: a revert asked of a helper whose main container
     * has not started would find no one to do it (the rule's own end time is the backstop).
     */
    private static boolean mainStarted(HelperJob.Mode mode, V1Pod pod) {
        if (!mode.mainActs()) {
            return true;
        }
        var main = pod.getStatus() == null ? null : pod.getStatus().getContainerStatuses();
        return main != null
                && !main.isEmpty()
                && main.get(0).getState() != null
                && (main.get(0).getState().getRunning() != null
                        || main.get(0).getState().getTerminated() != null);
    }

    /** The helper's first step is over when its first container ended, or it can never start. */
    private static Optional<ClusterOps.HelperStarted> firstStep(HelperJob.Mode mode, String ns, V1Pod pod) {
        String name = pod.getMetadata().getName();
        List<V1ContainerStatus> statuses = pod.getStatus() == null
                ? null
                : mode.firstStep().isPresent()
                        ? pod.getStatus().getInitContainerStatuses()
                        : pod.getStatus().getContainerStatuses();
        if (statuses != null && !statuses.isEmpty()) {
            V1ContainerState state = statuses.get(0).getState();
            if (state != null && state.getTerminated() != null) {
                String message = lastLine(state.getTerminated().getMessage());
                boolean ok = state.getTerminated().getExitCode() == 0;
                return Optional.of(new ClusterOps.HelperStarted(ns, name, ok, message, Instant.now()));
            }
            if (state != null
                    && state.getWaiting() != null
                    && cannotStart(state.getWaiting().getReason())) {
                return Optional.of(new ClusterOps.HelperStarted(
                        ns,
                        name,
                        false,
                        "the helper cannot start: %s (%s)"
                                .formatted(
                                        state.getWaiting().getReason(),
                                        state.getWaiting().getMessage()),
                        Instant.now()));
            }
        }
        if (pod.getStatus() != null && "Failed".equals(pod.getStatus().getPhase())) {
            return Optional.of(new ClusterOps.HelperStarted(
                    ns, name, false, "the helper pod failed: " + describe(pod), Instant.now()));
        }
        return Optional.empty();
    }

    private static boolean cannotStart(String reason) {
        return reason != null
                && List.of(
                                "ErrImageNeverPull",
                                "ImagePullBackOff",
                                "ErrImagePull",
                                "InvalidImageName",
                                "CreateContainerConfigError",
                                "CreateContainerError")
                        .contains(reason);
    }

    public ClusterOps.HelperEnded end(String ns, String name, Instant deadline)
            throws ApiException, InterruptedException {
        Optional<V1Pod> pod = read(ns, name);
        if (pod.isEmpty()) {
            return GONE;
        }
        Optional<ClusterOps.HelperEnded> ended = ended(pod.get());
        if (ended.isEmpty()) {
            askToRevert(ns, name);
        }
        while (ended.isEmpty()) {
            if (Instant.now().isAfter(deadline)) {
                if (modeOf(pod.get()).nothingOnceGone()) {
                    // What it did goes with it (a signal sent, memory in its own tmpfs): it goes, word or not.
                    delete(ns, name);
                    return new ClusterOps.HelperEnded(true, false, "deleted before it said its last");
                }
                return new ClusterOps.HelperEnded(
                        true, false, "the helper did not say it reverted in time: " + describe(pod.get()));
            }
            Thread.sleep(POLL.toMillis());
            pod = read(ns, name);
            if (pod.isEmpty()) {
                return GONE;
            }
            ended = ended(pod.get());
        }
        delete(ns, name);
        return ended.get();
    }

    private static final ClusterOps.HelperEnded GONE =
            new ClusterOps.HelperEnded(false, false, "the helper pod is gone");

    /** The helper pod now; empty once it is gone. */
    private Optional<V1Pod> read(String ns, String name) throws ApiException {
        try {
            return Optional.of(core.readNamespacedPod(name, ns).execute());
        } catch (ApiException e) {
            if (e.getCode() == 404) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /** Waits until the helper has ended by itself (its main container said its last), without asking it to. */
    public Optional<ClusterOps.HelperEnded> await(String ns, String name, Instant deadline)
            throws ApiException, InterruptedException {
        while (true) {
            Optional<V1Pod> pod = read(ns, name);
            if (pod.isEmpty()) {
                return Optional.of(GONE);
            }
            Optional<ClusterOps.HelperEnded> ended = ended(pod.get());
            if (ended.isPresent() || Instant.now().isAfter(deadline)) {
                return ended;
            }
            Thread.sleep(POLL.toMillis());
        }
    }

    /**
     * A lower activeDeadlineSeconds (the one change the API allows on a running pod that stops it)
     * makes the kubelet stop the helper with SIGTERM, as at its own deadline; unlike a deletion, the
     * pod and its termination message stay until the agent has read them.
     */
    private void askToRevert(String ns, String name) throws ApiException {
        try {
            PatchUtils.patch(
                    V1Pod.class,
                    () -> core.patchNamespacedPod(name, ns, new V1Patch("{\"spec\":{\"activeDeadlineSeconds\":1}}"))
                            .buildCall(null),
                    V1Patch.PATCH_FORMAT_STRATEGIC_MERGE_PATCH,
                    client);
        } catch (ApiException e) {
            // 404: gone already; 422: it has finished, and its status already says how.
            if (e.getCode() != 404 && e.getCode() != 422) {
                throw e;
            }
        }
    }

    /**
     * How a helper ended, once it has: its main container's word; or, when its injection failed, the
     * init container's (the script removes its rule before it fails, so nothing is left).
     */
    private static Optional<ClusterOps.HelperEnded> ended(V1Pod pod) {
        var status = pod.getStatus();
        if (status == null) {
            return Optional.empty();
        }
        var init = status.getInitContainerStatuses();
        if (init != null
                && !init.isEmpty()
                && terminated(init.get(0))
                && init.get(0).getState().getTerminated().getExitCode() != 0) {
            String said = lastLine(init.get(0).getState().getTerminated().getMessage());
            // The script fails (exit 1, "failed: ...") only after removing what it added; killed
            // half-way (a deadline, say), it may have left its rule: that is not a revert.
            boolean cleanFailure =
                    init.get(0).getState().getTerminated().getExitCode() == 1 && said.startsWith("failed");
            return Optional.of(new ClusterOps.HelperEnded(
                    true,
                    cleanFailure,
                    cleanFailure
                            ? "nothing to revert: " + said
                            : "its first step was stopped half-way (exit %d)"
                                    .formatted(init.get(0)
                                            .getState()
                                            .getTerminated()
                                            .getExitCode())));
        }
        var main = status.getContainerStatuses();
        if (main != null && !main.isEmpty() && terminated(main.get(0))) {
            String said = lastLine(main.get(0).getState().getTerminated().getMessage());
            String message = words(said);
            return Optional.of(
                    new ClusterOps.HelperEnded(true, message.startsWith("reverted"), message, nodeTime(said)));
        }
        boolean finished = "Failed".equals(status.getPhase()) || "Succeeded".equals(status.getPhase());
        if (finished) {
            // Ended before its containers ran (a deadline before the init container, say): it changed nothing.
            boolean initRan = init != null && !init.isEmpty() && terminated(init.get(0));
            return Optional.of(new ClusterOps.HelperEnded(
                    true,
                    !initRan,
                    initRan ? "the helper ended without saying it reverted: " + describe(pod) : "it never acted"));
        }
        return Optional.empty();
    }

    private static boolean terminated(V1ContainerStatus s) {
        return s.getState() != null && s.getState().getTerminated() != null;
    }

    private void delete(String ns, String name) throws ApiException {
        try {
            core.deleteNamespacedPod(name, ns).gracePeriodSeconds(0).execute();
        } catch (ApiException e) {
            if (e.getCode() != 404) {
                throw e;
            }
        }
    }

    private static String mode(V1Pod pod) {
        var notes = pod.getMetadata().getAnnotations();
        return notes == null ? "" : notes.getOrDefault(MODE, "");
    }

    /** The helper's mode, as its annotation says (an older helper without one injected a rule). */
    private static HelperJob.Mode modeOf(V1Pod pod) {
        String word = mode(pod);
        return java.util.Arrays.stream(HelperJob.Mode.values())
                .filter(m -> m.word().equals(word))
                .findFirst()
                .orElse(HelperJob.Mode.INJECT);
    }

    /** Every helper pod: across namespaces when allowed, else in the helper namespace. */
    public List<ClusterOps.HelperPod> list() throws ApiException {
        List<V1Pod> pods;
        try {
            pods = core.listPodForAllNamespaces()
                    .labelSelector(HELPER_LABEL)
                    .execute()
                    .getItems();
        } catch (ApiException e) {
            if (e.getCode() != 403) {
                throw e;
            }
            if (settings.namespace().isEmpty()) {
                // An agent that may not list every namespace (a namespaced install) starts helpers
                // only in a helper namespace of its own; without one it has started none.
                return List.of();
            }
            pods = core.listNamespacedPod(settings.namespace().get())
                    .labelSelector(HELPER_LABEL)
                    .execute()
                    .getItems();
        }
        List<ClusterOps.HelperPod> helpers = new ArrayList<>();
        for (V1Pod p : pods) {
            job(p).ifPresent(job -> helpers.add(new ClusterOps.HelperPod(
                    p.getMetadata().getNamespace(),
                    p.getMetadata().getName(),
                    job,
                    ended(p).isPresent(),
                    ended(p).map(ClusterOps.HelperEnded::message).orElse(""))));
        }
        return helpers;
    }

    /** The job a helper pod was made for, read back from its labels, annotations and environment. */
    private static Optional<HelperJob> job(V1Pod p) {
        Map<String, String> labels =
                p.getMetadata().getLabels() == null ? Map.of() : p.getMetadata().getLabels();
        Map<String, String> notes = p.getMetadata().getAnnotations() == null
                ? Map.of()
                : p.getMetadata().getAnnotations();
        String target = notes.get(TARGET);
        if (target == null || !target.contains("/") || !labels.containsKey(RUN_LABEL)) {
            return Optional.empty();
        }
        List<V1Container> containers = p.getSpec().getContainers();
        Map<String, String> env = new LinkedHashMap<>();
        for (V1EnvVar e : containers.get(0).getEnv() == null
                ? List.<V1EnvVar>of()
                : containers.get(0).getEnv()) {
            if (!e.getName().equals("AFTERSHOCK_POD_UID") && !e.getName().equals("AFTERSHOCK_TAG")) {
                env.put(e.getName(), e.getValue());
            }
        }
        return Optional.of(new HelperJob(
                labels.get(RUN_LABEL),
                labels.getOrDefault(FAULT_LABEL, ""),
                labels.getOrDefault(ACTION_LABEL, ""),
                modeOf(p),
                target.substring(0, target.indexOf('/')),
                target.substring(target.indexOf('/') + 1),
                notes.getOrDefault(TARGET_UID, ""),
                p.getSpec().getNodeName(),
                env,
                Duration.ofSeconds(
                        p.getSpec().getActiveDeadlineSeconds() == null
                                ? 0
                                : p.getSpec().getActiveDeadlineSeconds())));
    }

    /**
     * The helper pod: on the target's node by name (no scheduler: a cordoned or tainted node still
     * gets it), hostPID to find the target's processes, and of the capabilities only those that
     * entering another network namespace and changing its rules need.
     */
    V1Pod pod(HelperJob job) {
        List<V1EnvVar> env = new ArrayList<>();
        env.add(new V1EnvVar().name("AFTERSHOCK_POD_UID").value(job.targetUid()));
        env.add(new V1EnvVar().name("AFTERSHOCK_TAG").value(job.tag()));
        if (!job.env().containsKey("AFTERSHOCK_RULE_UNTIL")) {
            // The rule's own end, at the helper's deadline: it stops matching then even if no one removes it.
            env.add(new V1EnvVar()
                    .name("AFTERSHOCK_RULE_UNTIL")
                    .value(DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss")
                            .withZone(ZoneOffset.UTC)
                            .format(Instant.now().plus(job.lifetime()).plusSeconds(GRACE_SECONDS))));
        }
        job.env().entrySet().stream()
                .sorted(Map.Entry.comparingByKey())
                .forEach(e -> env.add(new V1EnvVar().name(e.getKey()).value(e.getValue())));
        V1SecurityContext privileges = job.mode().unprivileged()
                ? new V1SecurityContext()
                        .runAsUser(65532L)
                        .runAsNonRoot(true)
                        .allowPrivilegeEscalation(false)
                        .readOnlyRootFilesystem(true)
                        .seccompProfile(
                                new io.kubernetes.client.openapi.models.V1SeccompProfile().type("RuntimeDefault"))
                        .capabilities(new V1Capabilities().drop(List.of("ALL")))
                : new V1SecurityContext()
                        .runAsUser(0L)
                        .allowPrivilegeEscalation(false)
                        .readOnlyRootFilesystem(true)
                        .capabilities(new V1Capabilities()
                                .drop(List.of("ALL"))
                                .add(job.mode().capabilities()));
        V1ResourceRequirements resources = resources(job);
        // Where a first step leaves what the main container needs (the process it signalled, the
        // hog's memory); only for modes that pass one, since mounting a volume slows the pod's start.
        List<V1VolumeMount> scratch = job.mode().passesState()
                ? List.of(new V1VolumeMount().name("run").mountPath("/run/aftershock"))
                : job.mode().holdsMemory()
                        ? List.of(new V1VolumeMount().name("memory").mountPath("/mnt/memory"))
                        : List.of();
        V1Container main = new V1Container()
                .name(job.mode().main())
                .image(settings.image().orElse("aftershock-helper-image-not-set"))
                .imagePullPolicy("IfNotPresent")
                .args(List.of(job.mode().main()))
                .env(env)
                .securityContext(privileges)
                .resources(resources)
                .volumeMounts(scratch)
                .terminationMessagePolicy("File");
        V1PodSpec spec = new V1PodSpec()
                .nodeName(job.node())
                .hostPID(!job.mode().unprivileged())
                .restartPolicy("Never")
                .activeDeadlineSeconds(Math.max(1, job.lifetime().toSeconds()))
                .terminationGracePeriodSeconds(GRACE_SECONDS)
                .automountServiceAccountToken(false)
                .enableServiceLinks(false)
                .tolerations(List.of(new V1Toleration().operator("Exists")))
                .volumes(
                        job.mode().passesState()
                                ? List.of(new V1Volume()
                                        .name("run")
                                        .emptyDir(new io.kubernetes.client.openapi.models.V1EmptyDirVolumeSource()
                                                .medium("Memory")))
                                : job.mode().holdsMemory()
                                        ? List.of(new V1Volume()
                                                .name("memory")
                                                .emptyDir(
                                                        new io.kubernetes.client.openapi.models.V1EmptyDirVolumeSource()
                                                                .medium("Memory")
                                                                .sizeLimit(new Quantity(
                                                                        java.math.BigDecimal.valueOf(hogBytes(job)),
                                                                        Quantity.Format.BINARY_SI))))
                                        : List.of())
                .containers(List.of(main));
        job.mode()
                .firstStep()
                .ifPresent(step -> spec.initContainers(List.of(new V1Container()
                        .name(step)
                        .image(main.getImage())
                        .imagePullPolicy("IfNotPresent")
                        .args(List.of(step))
                        .env(env)
                        .securityContext(privileges)
                        .resources(resources)
                        .volumeMounts(scratch))));
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(HELPER_LABEL, "true");
        labels.put(RUN_LABEL, job.run());
        labels.put(FAULT_LABEL, job.fault());
        labels.put(ACTION_LABEL, job.action());
        V1Pod pod = new V1Pod()
                .metadata(new V1ObjectMeta()
                        .generateName(HelperJob.POD_NAME_PREFIX)
                        .labels(labels)
                        .annotations(Map.of(
                                TARGET,
                                job.targetNamespace() + "/" + job.targetPod(),
                                TARGET_UID,
                                job.targetUid(),
                                MODE,
                                job.mode().word())))
                .spec(spec);
        // The model starts with an empty overhead map, which the API server refuses without a RuntimeClass.
        pod.getSpec().setOverhead(null);
        return pod;
    }

    /**
     * The helper's resources: a few for most; Guaranteed (requests equal to limits) for those the
     * kernel or the kubelet must pass over, the hog's memory the size of what it holds plus its
     * own few MiB.
     */
    private static V1ResourceRequirements resources(HelperJob job) {
        if (!job.mode().guaranteed()) {
            return new V1ResourceRequirements()
                    .requests(Map.of("cpu", Quantity.fromString("10m"), "memory", Quantity.fromString("16Mi")))
                    .limits(Map.of("memory", Quantity.fromString("64Mi")));
        }
        Quantity memory = job.mode().holdsMemory()
                ? new Quantity(
                        java.math.BigDecimal.valueOf(hogBytes(job) + HelperJob.Mode.HOG_OWN_BYTES),
                        Quantity.Format.BINARY_SI)
                : Quantity.fromString("32Mi");
        Map<String, Quantity> both = Map.of("cpu", Quantity.fromString("100m"), "memory", memory);
        return new V1ResourceRequirements().requests(both).limits(both);
    }

    /** At least 1 MiB: a dry run's sample job names no size. */
    private static long hogBytes(HelperJob job) {
        return Math.max(1L << 20, Long.parseLong(job.env().getOrDefault(HelperJob.Mode.HOG_BYTES, "0")));
    }

    /**
     * When the helper acted, by the node's clock as it wrote it ("injected at NANOS", "reverted at
     * NANOS"), kept within
     * the time the agent asked and saw: the kubelet reports a container's end only at its next
     * relist, up to a second later, and a probe may fail before then.
     */
    static Instant actedAt(ClusterOps.HelperStarted seen, Instant asked) {
        return nodeTime(seen.message())
                .map(said -> dev.aftershock.fault.PodWaits.within(said, asked, seen.at()))
                .orElse(seen.at());
    }

    /** The time a helper wrote after " at " (nanoseconds since the epoch, by the node's clock). */
    static Optional<Instant> nodeTime(String said) {
        int at = said.indexOf(" at ");
        if (at < 0) {
            return Optional.empty();
        }
        String digits = said.substring(at + 4).strip().replaceFirst("^([0-9]+).*$", "$1");
        try {
            return Optional.of(Instant.ofEpochSecond(0, Long.parseLong(digits)));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** The helper's words without the time it wrote for the agent ("reverted at 1764412345000000000: x" is "reverted: x"). */
    static String words(String message) {
        return message.replaceFirst(" at [0-9]+", "");
    }

    private static String lastLine(String message) {
        if (message == null || message.isBlank()) {
            return "";
        }
        String[] lines = message.strip().split("\n");
        return lines[lines.length - 1].strip();
    }

    private static String describe(V1Pod pod) {
        var status = pod.getStatus();
        if (status == null) {
            return "no status yet";
        }
        StringBuilder text = new StringBuilder("phase " + status.getPhase());
        if (status.getReason() != null) {
            text.append(", ").append(status.getReason());
        }
        if (status.getMessage() != null) {
            text.append(": ").append(status.getMessage());
        }
        return text.toString();
    }
}
