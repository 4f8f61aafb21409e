package dev.aftershock.kube;

import dev.aftershock.load.InjectorCluster;
import io.kubernetes.client.PodLogs;
import io.kubernetes.client.custom.Quantity;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1Affinity;
import io.kubernetes.client.openapi.models.V1Capabilities;
import io.kubernetes.client.openapi.models.V1Container;
import io.kubernetes.client.openapi.models.V1ContainerStatus;
import io.kubernetes.client.openapi.models.V1EmptyDirVolumeSource;
import io.kubernetes.client.openapi.models.V1EnvFromSource;
import io.kubernetes.client.openapi.models.V1EnvVar;
import io.kubernetes.client.openapi.models.V1HostAlias;
import io.kubernetes.client.openapi.models.V1LabelSelector;
import io.kubernetes.client.openapi.models.V1NodeAffinity;
import io.kubernetes.client.openapi.models.V1NodeSelector;
import io.kubernetes.client.openapi.models.V1NodeSelectorRequirement;
import io.kubernetes.client.openapi.models.V1NodeSelectorTerm;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodCondition;
import io.kubernetes.client.openapi.models.V1PodSpec;
import io.kubernetes.client.openapi.models.V1ResourceRequirements;
import io.kubernetes.client.openapi.models.V1SeccompProfile;
import io.kubernetes.client.openapi.models.V1Secret;
import io.kubernetes.client.openapi.models.V1SecretEnvSource;
import io.kubernetes.client.openapi.models.V1SecurityContext;
import io.kubernetes.client.openapi.models.V1Service;
import io.kubernetes.client.openapi.models.V1TopologySpreadConstraint;
import io.kubernetes.client.openapi.models.V1Volume;
import io.kubernetes.client.openapi.models.V1VolumeMount;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Injector pods: the agent's own image running the load driver (Gatling) with an injector's share
 * of the plan, in the injector namespace (the target's when none is set). The URL and header
 * values go in a Secret the pods take their environment from, never in a pod's spec. The pods are
 * unprivileged (restricted Pod Security), have no service account token, spread over nodes, keep
 * off the nodes the run's faults target, and carry an {@code activeDeadlineSeconds} past the plan's
 * end: if the agent is gone, the kubelet stops them. {@code aftershock recover} removes what a run
 * left ({@link #leftovers}).
 */
public final class InjectorPods implements InjectorCluster {
    /** No image: runs with more than one injector are refused at plan time. */
    public record Settings(Optional<String> image, Optional<String> namespace) {
        public static final Settings OFF = new Settings(Optional.empty(), Optional.empty());
    }

    public static final String ROLE_LABEL = "aftershock.dev/role";
    public static final String ROLE = "load-injector";
    static final String INDEX_LABEL = "aftershock.dev/injector";
    static final String NAME_PREFIX = "aftershock-injector-";
    static final String CONTAINER = "injector";
    private static final String DRIVER_JAR = "/opt/aftershock/load-driver/aftershock-load-driver.jar";
    private static final String JAVA = "/opt/jre/bin/java";
    private static final int GRACE_SECONDS = 10;

    private final CoreV1Api core;
    private final PodLogs logs;
    private final Settings settings;
    private final String namespace;

    /**
     * {@code calls}: a client for ordinary calls; {@code streams}: one without a read timeout (a
     * followed log is quiet between lines); {@code targetNamespace}: where the pods go when the
     * settings name no namespace.
     */
    public InjectorPods(ApiClient calls, ApiClient streams, Settings settings, String targetNamespace) {
        this.core = new CoreV1Api(calls);
        this.logs = new PodLogs(streams);
        this.settings = settings;
        this.namespace = settings.namespace().orElse(targetNamespace);
    }

    public String namespace() {
        return namespace;
    }

    @Override
    public Optional<String> refusal(Spec spec) {
        if (settings.image().isEmpty()) {
            return Optional.of("injector pods need the agent's image: give --injector-image, or set"
                    + " AFTERSHOCK_INJECTOR_IMAGE (the chart sets it)");
        }
        try {
            core.createNamespacedPod(namespace, pod(spec, 0, "aftershock-injector-dry-run", hostAliases(spec.url())))
                    .dryRun("All")
                    .execute();
            return Optional.empty();
        } catch (ApiException e) {
            if (e.getCode() == 404) {
                return Optional.of("the injector namespace %s does not exist".formatted(namespace));
            }
            return Optional.of("namespace %s refuses an injector pod (HTTP %d: %s)"
                    .formatted(namespace, e.getCode(), StatusMessages.messageOf(e)));
        }
    }

    @Override
    public List<String> create(Spec spec) {
        try {
            return made(spec);
        } catch (ApiException e) {
            throw new IllegalStateException("HTTP %d: %s".formatted(e.getCode(), StatusMessages.messageOf(e)), e);
        }
    }

    private List<String> made(Spec spec) throws ApiException {
        V1Secret secret = core.createNamespacedSecret(
                        namespace,
                        new V1Secret()
                                .metadata(new V1ObjectMeta()
                                        .generateName(NAME_PREFIX)
                                        .labels(labels(spec.run(), null)))
                                .type("Opaque")
                                .stringData(spec.secretEnv()))
                .execute();
        List<V1HostAlias> aliases = hostAliases(spec.url());
        List<String> names = new ArrayList<>();
        for (int i = 0; i < spec.plans().size(); i++) {
            V1Pod created = core.createNamespacedPod(
                            namespace, pod(spec, i, secret.getMetadata().getName(), aliases))
                    .execute();
            names.add(created.getMetadata().getName());
        }
        return names;
    }

    private V1Pod pod(Spec spec, int index, String secret, List<V1HostAlias> aliases) {
        V1Container injector = new V1Container()
                .name(CONTAINER)
                .image(settings.image().orElse("aftershock-injector-image-not-set"))
                .imagePullPolicy("IfNotPresent")
                .command(List.of(
                        JAVA,
                        "--add-opens=java.base/java.lang=ALL-UNNAMED",
                        "--enable-native-access=ALL-UNNAMED",
                        "-XX:MaxRAMPercentage=70",
                        "-XX:+UseParallelGC",
                        "-Daftershock.plan=env:AFTERSHOCK_PLAN",
                        "-Daftershock.outcomes=stdout",
                        "-cp",
                        DRIVER_JAR,
                        "io.gatling.app.Gatling",
                        "-s",
                        "dev.aftershock.load.driver.PlanSimulation",
                        "-rf",
                        "/tmp/gatling",
                        "-nr"))
                .env(List.of(new V1EnvVar()
                        .name("AFTERSHOCK_PLAN")
                        .value(spec.plans().get(index))))
                .envFrom(List.of(new V1EnvFromSource().secretRef(new V1SecretEnvSource().name(secret))))
                .resources(new V1ResourceRequirements()
                        .requests(quantities(spec.requests()))
                        .limits(quantities(spec.limits())))
                .securityContext(new V1SecurityContext()
                        .runAsUser(65532L)
                        .runAsNonRoot(true)
                        .allowPrivilegeEscalation(false)
                        .readOnlyRootFilesystem(true)
                        .seccompProfile(new V1SeccompProfile().type("RuntimeDefault"))
                        .capabilities(new V1Capabilities().drop(List.of("ALL"))))
                .volumeMounts(List.of(new V1VolumeMount().name("tmp").mountPath("/tmp")));
        V1PodSpec podSpec = new V1PodSpec()
                .restartPolicy("Never")
                .activeDeadlineSeconds(Math.max(60, spec.deadline().toSeconds()))
                .terminationGracePeriodSeconds((long) GRACE_SECONDS)
                .automountServiceAccountToken(false)
                .enableServiceLinks(false)
                .nodeSelector(spec.nodeSelector().isEmpty() ? null : spec.nodeSelector())
                .hostAliases(aliases.isEmpty() ? null : aliases)
                // Spread over the nodes they may run on, no node with two more than another: one
                // node's trouble is not the whole load's. Held to (DoNotSchedule): an injector that
                // cannot be placed so is told before the run starts, not found out in its figures.
                .topologySpreadConstraints(List.of(new V1TopologySpreadConstraint()
                        .maxSkew(1)
                        .topologyKey("kubernetes.io/hostname")
                        .whenUnsatisfiable("DoNotSchedule")
                        .labelSelector(new V1LabelSelector().matchLabels(labels(spec.run(), null)))))
                .volumes(List.of(new V1Volume().name("tmp").emptyDir(new V1EmptyDirVolumeSource())))
                .containers(List.of(injector));
        if (!spec.avoidNodes().isEmpty()) {
            podSpec.affinity(new V1Affinity()
                    .nodeAffinity(new V1NodeAffinity()
                            .requiredDuringSchedulingIgnoredDuringExecution(new V1NodeSelector()
                                    .nodeSelectorTerms(List.of(new V1NodeSelectorTerm()
                                            .matchFields(List.of(new V1NodeSelectorRequirement()
                                                    .key("metadata.name")
                                                    .operator("NotIn")
                                                    .values(spec.avoidNodes().stream()
                                                            .sorted()
                                                            .toList()))))))));
        }
        // The model starts with an empty overhead map, which the API server refuses without a RuntimeClass.
        podSpec.setOverhead(null);
        return new V1Pod()
                .metadata(new V1ObjectMeta().generateName(NAME_PREFIX).labels(labels(spec.run(), index)))
                .spec(podSpec);
    }

    private static Map<String, String> labels(String run, Integer index) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(ROLE_LABEL, ROLE);
        labels.put(NodeHelpers.RUN_LABEL, run);
        if (index != null) {
            labels.put(INDEX_LABEL, Integer.toString(index));
        }
        return labels;
    }

    private static Map<String, Quantity> quantities(Map<String, String> values) {
        if (values.isEmpty()) {
            return null;
        }
        Map<String, Quantity> q = new LinkedHashMap<>();
        values.forEach((k, v) -> q.put(k, Quantity.fromString(v)));
        return q;
    }

    /**
     * A URL host {@code <service>.<namespace>.svc[.cluster.local]} is pinned to the Service's cluster
     * IP in the pods' /etc/hosts: the same answer cluster DNS gives, without depending on it.
     */
    private List<V1HostAlias> hostAliases(URI url) {
        String host = url.getHost();
        if (host == null) {
            return List.of();
        }
        String[] parts = host.split("\\.");
        boolean service = (parts.length == 3 && parts[2].equals("svc"))
                || (parts.length == 5 && host.endsWith(".svc.cluster.local"));
        if (!service) {
            return List.of();
        }
        try {
            V1Service s = core.readNamespacedService(parts[0], parts[1]).execute();
            String ip = s.getSpec() == null ? null : s.getSpec().getClusterIP();
            if (ip == null || ip.isEmpty() || ip.equals("None")) {
                return List.of();
            }
            return List.of(new V1HostAlias().ip(ip).hostnames(List.of(host)));
        } catch (ApiException e) {
            // Not readable here: cluster DNS answers, as for any pod.
            return List.of();
        }
    }

    @Override
    public void follow(String pod, Consumer<String> lines) throws Exception {
        awaitStarted(pod);
        try (InputStream in = logs.streamNamespacedPodLog(namespace, pod, CONTAINER, null, null, false);
                BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                lines.accept(line);
            }
        }
    }

    /** A log can be read once the container has started (or ended); until then, wait. */
    private void awaitStarted(String pod) throws Exception {
        while (true) {
            V1Pod p;
            try {
                p = core.readNamespacedPod(pod, namespace).execute();
            } catch (ApiException e) {
                if (e.getCode() == 404) {
                    throw new IllegalStateException("pod " + pod + " is gone");
                }
                throw e;
            }
            V1ContainerStatus c = container(p);
            if (c != null
                    && c.getState() != null
                    && (c.getState().getRunning() != null || c.getState().getTerminated() != null)) {
                return;
            }
            if (p.getStatus() != null
                    && ("Failed".equals(p.getStatus().getPhase())
                            || "Succeeded".equals(p.getStatus().getPhase()))) {
                return;
            }
            Thread.sleep(500);
        }
    }

    private static V1ContainerStatus container(V1Pod p) {
        if (p.getStatus() == null || p.getStatus().getContainerStatuses() == null) {
            return null;
        }
        return p.getStatus().getContainerStatuses().stream()
                .filter(c -> CONTAINER.equals(c.getName()))
                .findFirst()
                .orElse(null);
    }

    @Override
    public PodState state(String pod) {
        V1Pod p;
        try {
            p = core.readNamespacedPod(pod, namespace).execute();
        } catch (ApiException e) {
            return e.getCode() == 404
                    ? new PodState(true, true, "", "the pod is gone")
                    : new PodState(false, false, "", "the pod cannot be read: " + StatusMessages.messageOf(e));
        }
        String node = p.getSpec() == null || p.getSpec().getNodeName() == null
                ? ""
                : p.getSpec().getNodeName();
        String phase =
                p.getStatus() == null ? "Unknown" : String.valueOf(p.getStatus().getPhase());
        boolean ended = phase.equals("Failed") || phase.equals("Succeeded");
        List<String> why = new ArrayList<>();
        why.add("pod " + phase);
        if (p.getMetadata().getDeletionTimestamp() != null) {
            why.add("being deleted");
        }
        if (p.getStatus() != null && p.getStatus().getReason() != null) {
            why.add(p.getStatus().getReason());
        }
        V1ContainerStatus c = container(p);
        if (c != null && c.getState() != null) {
            if (c.getState().getWaiting() != null) {
                why.add("waiting: " + c.getState().getWaiting().getReason()
                        + (c.getState().getWaiting().getMessage() == null
                                ? ""
                                : " (" + c.getState().getWaiting().getMessage() + ")"));
            } else if (c.getState().getTerminated() != null) {
                why.add("exited with code " + c.getState().getTerminated().getExitCode()
                        + (c.getState().getTerminated().getReason() == null
                                ? ""
                                : " (" + c.getState().getTerminated().getReason() + ")"));
            }
        }
        if (p.getStatus() != null && p.getStatus().getConditions() != null) {
            for (V1PodCondition cond : p.getStatus().getConditions()) {
                if ("PodScheduled".equals(cond.getType()) && "False".equals(cond.getStatus())) {
                    why.add("not scheduled: " + cond.getMessage());
                }
            }
        }
        return new PodState(false, ended, node, String.join(", ", why));
    }

    @Override
    public List<String> remove(String run) {
        return removeAll(core, namespace, run);
    }

    /** Deletes a run's injector pods and Secrets in {@code namespace}; returns what could not be. */
    static List<String> removeAll(CoreV1Api core, String namespace, String run) {
        String selector = ROLE_LABEL + "=" + ROLE + "," + NodeHelpers.RUN_LABEL + "=" + run;
        List<String> problems = new ArrayList<>();
        try {
            for (V1Pod p : core.listNamespacedPod(namespace)
                    .labelSelector(selector)
                    .execute()
                    .getItems()) {
                delete(
                        () -> core.deleteNamespacedPod(p.getMetadata().getName(), namespace)
                                .gracePeriodSeconds(GRACE_SECONDS)
                                .execute(),
                        "pod " + namespace + "/" + p.getMetadata().getName(),
                        problems);
            }
            for (V1Secret s : core.listNamespacedSecret(namespace)
                    .labelSelector(selector)
                    .execute()
                    .getItems()) {
                delete(
                        () -> core.deleteNamespacedSecret(s.getMetadata().getName(), namespace)
                                .execute(),
                        "secret " + namespace + "/" + s.getMetadata().getName(),
                        problems);
            }
        } catch (ApiException e) {
            problems.add(
                    "the injectors in %s could not be listed: %s".formatted(namespace, StatusMessages.messageOf(e)));
        }
        return problems;
    }

    private interface Call {
        void run() throws ApiException;
    }

    private static void delete(Call call, String what, List<String> problems) {
        for (int attempt = 0; ; attempt++) {
            try {
                call.run();
                return;
            } catch (ApiException e) {
                if (e.getCode() == 404) {
                    return;
                }
                if (attempt >= 2) {
                    problems.add("%s was not removed: %s".formatted(what, StatusMessages.messageOf(e)));
                    return;
                }
            }
        }
    }

    /** A run's injector objects left in the cluster: namespace and run of each pod and Secret. */
    public record Leftover(String namespace, String run, String kind, String name) {}

    /**
     * Every injector pod and Secret in the cluster (or in {@code namespaces}), whichever run left it;
     * pods and Secrets are listed apart, so one the agent may not list does not hide the other.
     * What could not be listed goes to {@code problems}, with whether it was refused (403).
     */
    public static List<Leftover> leftovers(ApiClient client, List<String> namespaces, List<ApiException> problems) {
        CoreV1Api core = new CoreV1Api(client);
        String selector = ROLE_LABEL + "=" + ROLE;
        List<Leftover> found = new ArrayList<>();
        listed(
                "Pod",
                namespaces,
                () -> core.listPodForAllNamespaces()
                        .labelSelector(selector)
                        .execute()
                        .getItems(),
                ns -> core.listNamespacedPod(ns)
                        .labelSelector(selector)
                        .execute()
                        .getItems(),
                V1Pod::getMetadata,
                found,
                problems);
        listed(
                "Secret",
                namespaces,
                () -> core.listSecretForAllNamespaces()
                        .labelSelector(selector)
                        .execute()
                        .getItems(),
                ns -> core.listNamespacedSecret(ns)
                        .labelSelector(selector)
                        .execute()
                        .getItems(),
                V1Secret::getMetadata,
                found,
                problems);
        return found;
    }

    private interface Listing<T> {
        List<T> list() throws ApiException;
    }

    private interface NamespacedListing<T> {
        List<T> list(String namespace) throws ApiException;
    }

    /** One kind's injector objects, everywhere ({@code namespaces} empty) or in those namespaces. */
    private static <T> void listed(
            String kind,
            List<String> namespaces,
            Listing<T> everywhere,
            NamespacedListing<T> in,
            java.util.function.Function<T, V1ObjectMeta> metadata,
            List<Leftover> found,
            List<ApiException> problems) {
        try {
            List<T> items = new ArrayList<>();
            if (namespaces.isEmpty()) {
                items.addAll(everywhere.list());
            }
            for (String ns : namespaces) {
                items.addAll(in.list(ns));
            }
            items.forEach(item -> found.add(leftover(metadata.apply(item), kind)));
        } catch (ApiException e) {
            problems.add(e);
        }
    }

    private static Leftover leftover(V1ObjectMeta m, String kind) {
        String run = m.getLabels() == null ? "" : m.getLabels().getOrDefault(NodeHelpers.RUN_LABEL, "");
        return new Leftover(m.getNamespace(), run, kind, m.getName());
    }

    /** Removes every injector object of {@code run} in {@code namespace}; returns what could not be. */
    public static List<String> remove(ApiClient client, String namespace, String run) {
        return removeAll(new CoreV1Api(client), namespace, run);
    }
}
