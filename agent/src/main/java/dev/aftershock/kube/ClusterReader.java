package dev.aftershock.kube;

import dev.aftershock.model.Experiment;
import dev.aftershock.model.Target;
import dev.aftershock.selection.ClusterSnapshot;
import dev.aftershock.selection.LabelSelector;
import dev.aftershock.selection.Planner;
import dev.aftershock.selection.PodQuery;
import dev.aftershock.selection.Reach;
import io.kubernetes.client.custom.IntOrString;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.AppsV1Api;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.apis.PolicyV1Api;
import io.kubernetes.client.openapi.apis.VersionApi;
import io.kubernetes.client.openapi.models.V1LabelSelector;
import io.kubernetes.client.openapi.models.V1Node;
import io.kubernetes.client.openapi.models.V1OwnerReference;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodCondition;
import io.kubernetes.client.openapi.models.V1PodDisruptionBudget;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/** Reads what the planner needs in one pass: nodes, pods, budgets and the target workload. */
public final class ClusterReader {
    private final ApiClient client;

    public ClusterReader(ApiClient client) {
        this.client = client;
    }

    /** What planning needs of the whole cluster, with the seed the plan is made with. */
    public ClusterSnapshot snapshot(Experiment experiment, long seed) throws ApiException {
        return snapshot(experiment, Reach.cluster(), java.util.Set.of(), seed);
    }

    /**
     * Within what the agent may read: with a namespaced reach, no nodes, and the budgets of the
     * namespaces the run acts in ({@code touched}, all within reach: a node fault, which needs the
     * others, is refused before this). Only the pods planning needs are read, with the API's
     * selectors (see {@link Planner#podsToRead}): the target's and the pod faults' first, then those
     * on the nodes that a plan of these picks.
     */
    public ClusterSnapshot snapshot(Experiment experiment, Reach reach, java.util.Set<String> touched, long seed)
            throws ApiException {
        CoreV1Api core = new CoreV1Api(client);
        // The lists do not depend on each other: read together, planning waits for the slowest, not the sum.
        try (var reads = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            var nodes = reads.submit(() -> reach.wholeCluster() && reach.nodes()
                    ? paged(
                            page -> core.listNode().limit(PAGE)._continue(page).execute(),
                            list -> list.getItems().stream().map(ClusterReader::node))
                    : List.<ClusterSnapshot.NodeView>of());
            var pdbs = reads.submit(() -> budgets(reach, touched));
            Optional<ClusterSnapshot.WorkloadView> target =
                    workload(experiment.spec().target());
            List<ClusterSnapshot.PodView> pods = pods(Planner.podsToRead(experiment, target));
            ClusterSnapshot first = new ClusterSnapshot(result(nodes), pods, result(pdbs), target);
            // Without nodes (a namespaced reach) no node fault picks any: nothing more is read.
            List<PodQuery> onNodes = Planner.podsOnPickedNodes(Planner.plan(experiment, first, seed));
            if (onNodes.isEmpty()) {
                return first;
            }
            List<ClusterSnapshot.PodView> all = new java.util.ArrayList<>(pods);
            all.addAll(pods(onNodes));
            return new ClusterSnapshot(first.nodes(), distinct(all), first.pdbs(), target);
        }
    }

    /** Every budget within reach: the cluster's, or those of the namespaces the run acts in. */
    private List<ClusterSnapshot.PdbView> budgets(Reach reach, java.util.Set<String> touched) throws ApiException {
        PolicyV1Api policy = new PolicyV1Api(client);
        if (reach.wholeCluster()) {
            return paged(
                    page -> policy.listPodDisruptionBudgetForAllNamespaces()
                            .limit(PAGE)
                            ._continue(page)
                            .execute(),
                    list -> list.getItems().stream().map(ClusterReader::pdb));
        }
        List<ClusterSnapshot.PdbView> pdbs = new java.util.ArrayList<>();
        for (String ns : new java.util.TreeSet<>(touched)) {
            pdbs.addAll(paged(
                    page -> policy.listNamespacedPodDisruptionBudget(ns)
                            .limit(PAGE)
                            ._continue(page)
                            .execute(),
                    list -> list.getItems().stream().map(ClusterReader::pdb)));
        }
        return pdbs;
    }

    /** Each query's pods, read together, a pod that more than one matches once. */
    private List<ClusterSnapshot.PodView> pods(List<PodQuery> queries) throws ApiException {
        CoreV1Api core = new CoreV1Api(client);
        List<ClusterSnapshot.PodView> pods = new java.util.ArrayList<>();
        try (var reads = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            List<java.util.concurrent.Future<List<ClusterSnapshot.PodView>>> lists = new java.util.ArrayList<>();
            for (PodQuery q : queries) {
                // A node's pods are few (its pod capacity): asked for whole, the API server answers from
                // its watch cache by its node index; a page limit would send it to etcd to scan every pod.
                Integer limit = q.oneNode() ? null : PAGE;
                lists.add(reads.submit(() -> paged(
                        page -> q.namespace().isPresent()
                                ? core.listNamespacedPod(q.namespace().get())
                                        .labelSelector(orNull(q.labelSelector()))
                                        .fieldSelector(orNull(q.fieldSelector()))
                                        .limit(limit)
                                        ._continue(page)
                                        .execute()
                                : core.listPodForAllNamespaces()
                                        .labelSelector(orNull(q.labelSelector()))
                                        .fieldSelector(orNull(q.fieldSelector()))
                                        .limit(limit)
                                        ._continue(page)
                                        .execute(),
                        list -> list.getItems().stream().map(ClusterReader::pod))));
            }
            for (var list : lists) {
                pods.addAll(result(list));
            }
        }
        return distinct(pods);
    }

    /** A read's result, its ApiException as thrown (so callers and the 410 restart see it). */
    private static <T> T result(java.util.concurrent.Future<T> read) throws ApiException {
        try {
            return read.get();
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof ApiException api) {
                throw api;
            }
            if (e.getCause() instanceof RuntimeException unchecked) {
                throw unchecked;
            }
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiException(e);
        }
    }

    private static String orNull(String selector) {
        return selector.isEmpty() ? null : selector;
    }

    /**
     * Once each, in the order one list of every pod gives them (by namespace, then name, as etcd keys
     * them): what several queries read plans as the whole list did, down to the order a drain evicts
     * in. A pod read twice is kept as last read (a pod re-created in between is one pod, not two).
     */
    private static List<ClusterSnapshot.PodView> distinct(List<ClusterSnapshot.PodView> pods) {
        java.util.Map<String, ClusterSnapshot.PodView> byName = new java.util.TreeMap<>();
        pods.forEach(p -> byName.put(p.namespace() + "/" + p.name(), p));
        return List.copyOf(byName.values());
    }

    /** The pods of one namespace now (for targets picked at the moment of injection). */
    public List<ClusterSnapshot.PodView> pods(String namespace) throws ApiException {
        CoreV1Api core = new CoreV1Api(client);
        return paged(
                page -> core.listNamespacedPod(namespace)
                        .limit(PAGE)
                        ._continue(page)
                        .execute(),
                list -> list.getItems().stream().map(ClusterReader::pod));
    }

    /**
     * Lists are read a page at a time, as kubectl does: a cluster of 20,000 pods never sits in the
     * agent's memory as one response (client-java reads a whole response body before parsing it).
     */
    static final int PAGE = 500;

    interface Page<L> {
        L fetch(String continueToken) throws ApiException;
    }

    /** A whole list's views, and the resource version the list was read at (a watch resumes from it). */
    record Listed<V>(List<V> items, String resourceVersion) {}

    private static <L extends io.kubernetes.client.common.KubernetesListObject, V> List<V> paged(
            Page<L> page, java.util.function.Function<L, java.util.stream.Stream<V>> views) throws ApiException {
        return listed(page, views).items();
    }

    /**
     * Every page's views, in order; the API server says where the next page begins. A continue token
     * that expired while paging (410, as client-go's pager does) starts the list again from the top;
     * a server that hands out the same token twice is an error, not an endless loop.
     */
    static <L extends io.kubernetes.client.common.KubernetesListObject, V> Listed<V> listed(
            Page<L> page, java.util.function.Function<L, java.util.stream.Stream<V>> views) throws ApiException {
        for (int attempt = 1; ; attempt++) {
            List<V> all = new java.util.ArrayList<>();
            java.util.Set<String> seen = new java.util.HashSet<>();
            String next = null;
            String version = null;
            try {
                do {
                    L list = page.fetch(next);
                    views.apply(list).forEach(all::add);
                    next = list.getMetadata() == null
                            ? null
                            : list.getMetadata().getContinue();
                    version = list.getMetadata() == null
                            ? null
                            : list.getMetadata().getResourceVersion();
                    if (next != null && !next.isEmpty() && !seen.add(next)) {
                        throw new ApiException(500, "the API server repeated a list's continue token");
                    }
                } while (next != null && !next.isEmpty());
                return new Listed<>(List.copyOf(all), version);
            } catch (ApiException e) {
                if (e.getCode() != 410 || next == null || attempt >= 3) {
                    throw e;
                }
            }
        }
    }

    public String serverVersion() {
        try {
            return new VersionApi(client).getCode().execute().getGitVersion();
        } catch (ApiException e) {
            return "unknown (" + e.getCode() + ")";
        }
    }

    private Optional<ClusterSnapshot.WorkloadView> workload(Target target) throws ApiException {
        AppsV1Api apps = new AppsV1Api(client);
        String ns = target.namespace();
        String name = target.workload().name();
        try {
            return Optional.of(
                    switch (target.workload().kind()) {
                        case DEPLOYMENT -> {
                            var d = apps.readNamespacedDeployment(name, ns).execute();
                            int replicas =
                                    Objects.requireNonNullElse(d.getSpec().getReplicas(), 1);
                            yield new ClusterSnapshot.WorkloadView(
                                    ns,
                                    "Deployment",
                                    name,
                                    labels(d.getSpec().getSelector()),
                                    replicas,
                                    RolloutStrategies.unavailable(d, replicas),
                                    RolloutStrategies.refusal(d));
                        }
                        case STATEFULSET -> {
                            var s = apps.readNamespacedStatefulSet(name, ns).execute();
                            yield new ClusterSnapshot.WorkloadView(
                                    ns,
                                    "StatefulSet",
                                    name,
                                    labels(s.getSpec().getSelector()),
                                    Objects.requireNonNullElse(s.getSpec().getReplicas(), 1),
                                    RolloutStrategies.unavailable(s),
                                    RolloutStrategies.refusal(s));
                        }
                    });
        } catch (ApiException e) {
            if (e.getCode() == 404) {
                return Optional.empty();
            }
            throw e;
        }
    }

    static ClusterSnapshot.NodeView node(V1Node n) {
        boolean ready = n.getStatus() != null
                && n.getStatus().getConditions() != null
                && n.getStatus().getConditions().stream()
                        .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
        boolean unschedulable =
                n.getSpec() != null && Boolean.TRUE.equals(n.getSpec().getUnschedulable());
        boolean repelling = n.getSpec() != null
                && n.getSpec().getTaints() != null
                && n.getSpec().getTaints().stream()
                        .anyMatch(t -> "NoSchedule".equals(t.getEffect()) || "NoExecute".equals(t.getEffect()));
        // A cordon brings the node.kubernetes.io/unschedulable taint: that is the cordon, not a taint of its own.
        boolean repellingBesidesCordon = repelling
                && n.getSpec().getTaints().stream()
                        .anyMatch(t -> !"node.kubernetes.io/unschedulable".equals(t.getKey())
                                && ("NoSchedule".equals(t.getEffect()) || "NoExecute".equals(t.getEffect())));
        return new ClusterSnapshot.NodeView(
                n.getMetadata().getName(),
                orEmpty(n.getMetadata().getLabels()),
                !unschedulable,
                ready,
                repellingBesidesCordon,
                n.getMetadata().getResourceVersion());
    }

    /** The kubelet's MemoryPressure condition is True. */
    static boolean memoryPressure(V1Node n) {
        return n.getStatus() != null
                && n.getStatus().getConditions() != null
                && n.getStatus().getConditions().stream()
                        .anyMatch(c -> "MemoryPressure".equals(c.getType()) && "True".equals(c.getStatus()));
    }

    /** The node lifecycle controller's taint for the kubelet's MemoryPressure (it keeps new pods off). */
    static boolean memoryPressureTaint(V1Node n) {
        return n.getSpec() != null
                && n.getSpec().getTaints() != null
                && n.getSpec().getTaints().stream()
                        .anyMatch(t -> "node.kubernetes.io/memory-pressure".equals(t.getKey()));
    }

    static ClusterSnapshot.PodView pod(V1Pod p) {
        Optional<String> controller =
                Optional.ofNullable(p.getMetadata().getOwnerReferences()).orElse(List.of()).stream()
                        .filter(o -> Boolean.TRUE.equals(o.getController()))
                        .map(V1OwnerReference::getKind)
                        .findFirst();
        boolean mirror = orEmpty(p.getMetadata().getAnnotations()).containsKey("kubernetes.io/config.mirror");
        boolean emptyDir = p.getSpec() != null
                && p.getSpec().getVolumes() != null
                && p.getSpec().getVolumes().stream().anyMatch(v -> v.getEmptyDir() != null);
        return new ClusterSnapshot.PodView(
                p.getMetadata().getNamespace(),
                p.getMetadata().getName(),
                p.getMetadata().getUid(),
                orEmpty(p.getMetadata().getLabels()),
                p.getSpec() == null ? null : p.getSpec().getNodeName(),
                controller,
                mirror,
                emptyDir,
                ready(p),
                p.getMetadata().getDeletionTimestamp() != null,
                p.getMetadata().getResourceVersion(),
                p.getSpec() != null && Boolean.TRUE.equals(p.getSpec().getHostNetwork()),
                p.getSpec() == null ? List.of() : ProbeViews.containers(p.getSpec()),
                p.getSpec() != null
                        && (Boolean.TRUE.equals(p.getSpec().getHostPID())
                                || Boolean.TRUE.equals(p.getSpec().getShareProcessNamespace())),
                p.getSpec() == null || p.getSpec().getRestartPolicy() == null
                        ? "Always"
                        : p.getSpec().getRestartPolicy());
    }

    static boolean ready(V1Pod p) {
        List<V1PodCondition> conditions =
                p.getStatus() == null ? null : p.getStatus().getConditions();
        return conditions != null
                && conditions.stream().anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    }

    /**
     * The scheduler's message when it could not place the pod (its {@code PodScheduled} condition
     * False, reason {@code Unschedulable}) and the pod is still unplaced.
     */
    static java.util.Optional<Unschedulable> unschedulable(V1Pod p) {
        if (p.getStatus() == null
                || p.getStatus().getConditions() == null
                || (p.getSpec() != null && p.getSpec().getNodeName() != null)) {
            return java.util.Optional.empty();
        }
        return p.getStatus().getConditions().stream()
                .filter(c -> "PodScheduled".equals(c.getType())
                        && "False".equals(c.getStatus())
                        && "Unschedulable".equals(c.getReason()))
                .map(c -> new Unschedulable(
                        java.util.Objects.requireNonNullElse(c.getMessage(), ""),
                        java.util.Optional.ofNullable(c.getLastTransitionTime())
                                .map(java.time.OffsetDateTime::toInstant)))
                .findFirst();
    }

    /** The scheduler's message, and since when the pod has been unschedulable (the API server's clock). */
    record Unschedulable(String message, java.util.Optional<java.time.Instant> since) {}

    /** The kubelet reports containers, and none of them running: the pod's processes have exited. */
    static boolean stopped(V1Pod p) {
        var statuses = p.getStatus() == null ? null : p.getStatus().getContainerStatuses();
        return statuses != null
                && !statuses.isEmpty()
                && statuses.stream()
                        .allMatch(c -> c.getState() == null || c.getState().getRunning() == null);
    }

    private static ClusterSnapshot.PdbView pdb(V1PodDisruptionBudget b) {
        var status = b.getStatus();
        int expected = status == null || status.getExpectedPods() == null ? 0 : status.getExpectedPods();
        int desired = status == null || status.getDesiredHealthy() == null ? 0 : status.getDesiredHealthy();
        int allowed = status == null || status.getDisruptionsAllowed() == null ? 0 : status.getDisruptionsAllowed();
        if (status == null || status.getExpectedPods() == null) {
            // The disruption controller has not counted yet: judge from the spec alone.
            IntOrString maxUnavailable = b.getSpec().getMaxUnavailable();
            if (maxUnavailable != null && maxUnavailable.isInteger() && maxUnavailable.getIntValue() == 0) {
                desired = Integer.MAX_VALUE;
            }
        }
        return new ClusterSnapshot.PdbView(
                b.getMetadata().getNamespace(),
                b.getMetadata().getName(),
                labels(b.getSpec().getSelector()),
                expected,
                desired,
                allowed);
    }

    static LabelSelector labels(V1LabelSelector selector) {
        if (selector == null) {
            return LabelSelector.of(Map.of());
        }
        List<LabelSelector.Requirement> expressions =
                Optional.ofNullable(selector.getMatchExpressions()).orElse(List.of()).stream()
                        .map(e -> new LabelSelector.Requirement(
                                e.getKey(),
                                e.getOperator(),
                                Optional.ofNullable(e.getValues()).orElse(List.of())))
                        .toList();
        return new LabelSelector(orEmpty(selector.getMatchLabels()), expressions);
    }

    private static Map<String, String> orEmpty(Map<String, String> map) {
        return map == null ? Map.of() : map;
    }
}
