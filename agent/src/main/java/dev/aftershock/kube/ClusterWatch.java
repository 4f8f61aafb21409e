package dev.aftershock.kube;

import dev.aftershock.evaluation.Observed;
import dev.aftershock.selection.LabelSelector;
import io.kubernetes.client.common.KubernetesObject;
import io.kubernetes.client.informer.ResourceEventHandler;
import io.kubernetes.client.informer.SharedIndexInformer;
import io.kubernetes.client.informer.SharedInformerFactory;
import io.kubernetes.client.openapi.apis.AppsV1Api;
import io.kubernetes.client.openapi.apis.AutoscalingV2Api;
import io.kubernetes.client.openapi.models.CoreV1Event;
import io.kubernetes.client.openapi.models.V1Deployment;
import io.kubernetes.client.openapi.models.V1DeploymentList;
import io.kubernetes.client.openapi.models.V1EndpointSlice;
import io.kubernetes.client.openapi.models.V1Node;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1StatefulSet;
import io.kubernetes.client.openapi.models.V1StatefulSetList;
import io.kubernetes.client.openapi.models.V2HorizontalPodAutoscaler;
import io.kubernetes.client.openapi.models.V2HorizontalPodAutoscalerList;
import io.kubernetes.client.openapi.models.V2MetricSpec;
import io.kubernetes.client.openapi.models.V2MetricStatus;
import io.kubernetes.client.openapi.models.V2MetricTarget;
import io.kubernetes.client.openapi.models.V2MetricValueStatus;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * Watches what a run's verdicts depend on, through client-java's informers (list, then watch from
 * that resourceVersion, resuming and relisting on their own): the HPAs of the target's namespace,
 * the target's pods, the target workload, the nodes, and which pods the namespace's Services send
 * traffic to (its EndpointSlices). Each object seen becomes an {@link Observed},
 * stamped with the run clock at the moment it arrived.
 */
public final class ClusterWatch implements AutoCloseable {
    private final SharedInformerFactory factory;
    private final SharedInformers shared;
    private final ExecutorService threads = Awaiting.informerThreads("aftershock-watch");
    private final LongSupplier clock;
    private final Consumer<Observed> sink;
    private final List<SharedIndexInformer<?>> informers = new java.util.ArrayList<>();
    /** Apart from the others: a run goes on without it (an RBAC that does not grant EndpointSlices). */
    private SharedIndexInformer<V1EndpointSlice> endpoints;
    /** Apart too: without Events, a liveness failure without a fault is told as a plain container end. */
    private SharedIndexInformer<CoreV1Event> probeEvents;
    /** Apart too, and only when a nodes hypothesis asks for it. */
    private NodeAutoscalerWatch nodeAutoscaler;
    /** Apart too, and only when a vpa hypothesis asks for it. */
    private SharedIndexInformer<io.kubernetes.client.util.generic.dynamic.DynamicKubernetesObject> vpaInformer;

    private final java.util.concurrent.atomic.AtomicBoolean started = new java.util.concurrent.atomic.AtomicBoolean();
    private final Consumer<String> warn;

    private volatile boolean closed;
    /** When the watch began, by the agent's clock. */
    private final java.time.Instant begun = java.time.Instant.now();
    /** How far the API server's clock may be from the agent's before a pod's wait counts as the run's. */
    private static final java.time.Duration WAITING_SLACK = java.time.Duration.ofSeconds(5);

    private static final java.time.Duration MEMORY_EVERY = java.time.Duration.ofSeconds(10);
    private static final int WARN_AFTER_FAILURES = 3;
    private volatile Thread memorySampler;

    /**
     * What to watch: the namespace, the target's pod selector, the workload (kind and name), and
     * whether nodes too (not when the agent's RBAC is namespaced: it may not list them).
     */
    public record Scope(
            String namespace,
            LabelSelector podSelector,
            String workloadKind,
            String workloadName,
            boolean nodes,
            boolean endpoints,
            boolean vpas,
            boolean nodeAutoscaler) {
        /** Without the node autoscaler's objects and Events. */
        public Scope(
                String namespace,
                LabelSelector podSelector,
                String workloadKind,
                String workloadName,
                boolean nodes,
                boolean endpoints,
                boolean vpas) {
            this(namespace, podSelector, workloadKind, workloadName, nodes, endpoints, vpas, false);
        }

        /** Without the namespace's EndpointSlices. */
        public Scope(
                String namespace, LabelSelector podSelector, String workloadKind, String workloadName, boolean nodes) {
            this(namespace, podSelector, workloadKind, workloadName, nodes, false, false);
        }

        /** Without the namespace's VerticalPodAutoscalers. */
        public Scope(
                String namespace,
                LabelSelector podSelector,
                String workloadKind,
                String workloadName,
                boolean nodes,
                boolean endpoints) {
            this(namespace, podSelector, workloadKind, workloadName, nodes, endpoints, false);
        }
    }

    /**
     * One kind of object a run watches, turned into observations on the run's clock. A new one (VPA
     * objects, Events) is one more method and one more entry in {@link #OBSERVERS}.
     */
    @FunctionalInterface
    interface Observer {
        void watch(ClusterWatch watch, Scope scope);
    }

    static final List<Observer> OBSERVERS = List.of(
            ClusterWatch::hpas,
            ClusterWatch::targetPods,
            ClusterWatch::nodes,
            ClusterWatch::targetWorkload,
            ClusterWatch::rotation,
            ClusterWatch::probeKills,
            ClusterWatch::memory,
            ClusterWatch::vpas,
            ClusterWatch::nodeAutoscaler);

    /** The target's pods and the nodes are read from the run's {@code shared} watches; the rest are this one's own. */
    public ClusterWatch(SharedInformers shared, Scope scope, LongSupplier clock, Consumer<Observed> sink) {
        this(shared, scope, clock, sink, message -> {});
    }

    /** The same, with {@code warn} told once of what cannot be watched (the metrics API refused, say). */
    public ClusterWatch(
            SharedInformers shared, Scope scope, LongSupplier clock, Consumer<Observed> sink, Consumer<String> warn) {
        this.warn = warn;
        this.shared = shared;
        this.factory = new SharedInformerFactory(shared.watchClient(), threads, false);
        this.clock = clock;
        this.sink = sink;
        OBSERVERS.forEach(o -> o.watch(this, scope));
    }

    private void hpas(Scope scope) {
        AutoscalingV2Api autoscaling = new AutoscalingV2Api(shared.watchClient());
        inform(
                factory.sharedIndexInformerFor(
                        p -> autoscaling
                                .listNamespacedHorizontalPodAutoscaler(scope.namespace())
                                .resourceVersion(p.resourceVersion)
                                .timeoutSeconds(p.timeoutSeconds)
                                .watch(p.watch)
                                .buildCall(null),
                        V2HorizontalPodAutoscaler.class,
                        V2HorizontalPodAutoscalerList.class),
                (h, gone) -> gone ? null : hpa(h));
    }

    /** From the namespace's pods, those the selector matches; a pod whose labels stop matching leaves. */
    private void targetPods(Scope scope) {
        SharedIndexInformer<V1Pod> pods = shared.pods(scope.namespace());
        informers.add(pods);
        java.util.function.Predicate<V1Pod> selected = p -> scope.podSelector()
                .matches(Objects.requireNonNullElse(p.getMetadata().getLabels(), java.util.Map.of()));
        shared.onPods(scope.namespace(), new ResourceEventHandler<>() {
            @Override
            public void onAdd(V1Pod pod) {
                if (selected.test(pod)) {
                    emit(pod(pod, Observed.Departure.NONE));
                    unschedulable(null, pod);
                }
            }

            @Override
            public void onUpdate(V1Pod before, V1Pod pod) {
                boolean sameUid = Objects.equals(
                        before.getMetadata().getUid(), pod.getMetadata().getUid());
                if (!sameUid && selected.test(before)) {
                    // A successor of the same name (a StatefulSet's) replaced it while the watch was away.
                    emit(pod(before, Observed.Departure.DELETED_UNWATCHED));
                }
                if (selected.test(pod)) {
                    emit(pod(pod, Observed.Departure.NONE));
                    unschedulable(sameUid ? before : null, pod);
                    PodEnds.disrupted(sameUid ? before : null, pod).ifPresent(d -> emit(d.at(clock.getAsLong())));
                    PodEnds.containersEnded(sameUid ? before : null, pod).forEach(c -> emit(c.at(clock.getAsLong())));
                } else if (selected.test(before)) {
                    emit(pod(before, Observed.Departure.LEFT_SELECTOR));
                }
            }

            @Override
            public void onDelete(V1Pod pod, boolean finalStateUnknown) {
                if (selected.test(pod)) {
                    emit(pod(
                            pod,
                            finalStateUnknown ? Observed.Departure.DELETED_UNWATCHED : Observed.Departure.DELETED));
                }
            }
        });
    }

    /**
     * A pod the scheduler has just marked Unschedulable (what a node autoscaler answers); one whose
     * condition says it has been since before the watch began (with a little slack for the agent's
     * clock against the API server's) was waiting before the run.
     */
    private void unschedulable(V1Pod before, V1Pod pod) {
        if (before != null && ClusterReader.unschedulable(before).isPresent()) {
            return;
        }
        ClusterReader.unschedulable(pod)
                .ifPresent(u -> emit(new Observed.PodUnschedulable(
                        clock.getAsLong(),
                        pod.getMetadata().getUid(),
                        pod.getMetadata().getName(),
                        u.message(),
                        u.since()
                                .map(since -> since.isBefore(begun.minus(WAITING_SLACK)))
                                .orElse(false))));
    }

    private void nodes(Scope scope) {
        if (!scope.nodes()) {
            return;
        }
        SharedIndexInformer<V1Node> nodes = shared.nodes();
        informers.add(nodes);
        shared.onNodes(handler(this::node));
    }

    private void targetWorkload(Scope scope) {
        AppsV1Api apps = new AppsV1Api(shared.watchClient());
        String byName = "metadata.name=" + scope.workloadName();
        if (scope.workloadKind().equalsIgnoreCase("statefulset")) {
            inform(
                    factory.sharedIndexInformerFor(
                            p -> apps.listNamespacedStatefulSet(scope.namespace())
                                    .fieldSelector(byName)
                                    .resourceVersion(p.resourceVersion)
                                    .timeoutSeconds(p.timeoutSeconds)
                                    .watch(p.watch)
                                    .buildCall(null),
                            V1StatefulSet.class,
                            V1StatefulSetList.class),
                    (s, gone) -> gone || s.getStatus() == null
                            ? null
                            : workload(
                                    "statefulset/" + s.getMetadata().getName(),
                                    s.getStatus().getReplicas(),
                                    s.getStatus().getReadyReplicas(),
                                    s.getStatus().getAvailableReplicas()));
        } else {
            inform(
                    factory.sharedIndexInformerFor(
                            p -> apps.listNamespacedDeployment(scope.namespace())
                                    .fieldSelector(byName)
                                    .resourceVersion(p.resourceVersion)
                                    .timeoutSeconds(p.timeoutSeconds)
                                    .watch(p.watch)
                                    .buildCall(null),
                            V1Deployment.class,
                            V1DeploymentList.class),
                    (d, gone) -> gone || d.getStatus() == null
                            ? null
                            : workload(
                                    "deployment/" + d.getMetadata().getName(),
                                    d.getStatus().getReplicas(),
                                    d.getStatus().getReadyReplicas(),
                                    d.getStatus().getAvailableReplicas()));
        }
    }

    /** Which pods the namespace's Services send traffic to: each pod's change in or out is observed. */
    private void rotation(Scope scope) {
        if (!scope.endpoints()) {
            return;
        }
        endpoints = Rotation.watch(factory, shared.watchClient(), scope.namespace(), changes -> {
            long t = clock.getAsLong();
            changes.forEach(c -> emit(new Observed.RotationStatus(t, c.uid(), c.inRotation())));
        });
    }

    /**
     * The kubelet's {@code Killing} Events in the namespace that say a target pod's probe failed:
     * how a liveness failure is told from a crash when no fault caused it. An Event repeated (its
     * count grows) is a kill again; one from before the watch began is not the run's.
     */
    private void probeKills(Scope scope) {
        java.time.Instant begun = java.time.Instant.now().minusSeconds(2);
        SharedIndexInformer<CoreV1Event> events = EventsTold.informer(
                factory, shared.watchClient(), scope.namespace(), "involvedObject.kind=Pod,reason=Killing");
        probeEvents = events;
        events.addEventHandler(EventsTold.handler(e -> ProbeKills.of(e, begun, pod -> targetPod(scope, pod))
                .ifPresent(k -> emit(
                        new Observed.ProbeKill(clock.getAsLong(), k.pod(), k.container(), k.probe(), k.message())))));
    }

    /**
     * The target's containers' memory, from the metrics API every 10 s (metrics-server measures
     * about that often; it has no watch): started with the watches, stopped at close. A cluster
     * without the metrics API, or an agent whose RBAC does not grant it, has no memory series.
     */
    private void memory(Scope scope) {
        memorySampler = Thread.ofVirtual().name("aftershock-memory").unstarted(() -> {
            MemorySamples samples = new MemorySamples(shared.watchClient(), scope.namespace());
            int failures = 0;
            while (!closed) {
                try {
                    samples.now(pod -> targetPodNamed(scope, pod))
                            .forEach(m -> emit(new Observed.ContainerUsage(
                                    clock.getAsLong(),
                                    m.pod(),
                                    m.container(),
                                    m.cpuMillicores(),
                                    m.workingSetBytes(),
                                    m.requestBytes(),
                                    m.limitBytes())));
                    failures = 0;
                } catch (io.kubernetes.client.openapi.ApiException e) {
                    if (e.getCode() == 403) {
                        warn.accept("the metrics API refused to list the pods' memory in %s (%s): no memory series"
                                .formatted(scope.namespace(), StatusMessages.messageOf(e)));
                        return;
                    }
                    // No metrics API (yet: a 404 until its APIService is discovered) or a failed read:
                    // this sample is missing, the next is tried.
                    failures++;
                } catch (RuntimeException e) {
                    failures++;
                }
                if (failures == WARN_AFTER_FAILURES) {
                    warn.accept("the metrics API has not answered for %s in %s: memory series have gaps"
                            .formatted(MEMORY_EVERY.multipliedBy(failures), scope.namespace()));
                }
                try {
                    Thread.sleep(MEMORY_EVERY.toMillis());
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
    }

    /** The namespace's pod of this name when it is one of the target's (as the shared watch has it now). */
    private java.util.Optional<V1Pod> targetPodNamed(Scope scope, String name) {
        V1Pod pod = shared.pods(scope.namespace()).getIndexer().getByKey(scope.namespace() + "/" + name);
        return pod != null
                        && scope.podSelector()
                                .matches(Objects.requireNonNullElse(
                                        pod.getMetadata().getLabels(), java.util.Map.of()))
                ? java.util.Optional.of(pod)
                : java.util.Optional.empty();
    }

    /** Whether the namespace's pod of this name is one of the target's (as the shared watch has it now). */
    private boolean targetPod(Scope scope, String name) {
        return targetPodNamed(scope, name).isPresent();
    }

    /**
     * The namespace's VerticalPodAutoscalers, through client-java's dynamic client (the VPA is an
     * add-on: no typed model), when the experiment judges one. Apart from the other watches: a
     * cluster without the VPA's CRD has none, and the run goes on.
     */
    private void vpas(Scope scope) {
        if (!scope.vpas()) {
            return;
        }
        var api = new io.kubernetes.client.util.generic.dynamic.DynamicKubernetesApi(
                "autoscaling.k8s.io", "v1", "verticalpodautoscalers", shared.watchClient());
        vpaInformer = factory.sharedIndexInformerFor(
                api,
                io.kubernetes.client.util.generic.dynamic.DynamicKubernetesObject.class,
                0,
                scope.namespace(),
                (type, error) -> {
                    // A missing CRD or a refused list: the vpa hypothesis says what it did not see.
                });
        vpaInformer.addEventHandler(handler((v, gone) ->
                gone ? null : VpaStatuses.of(clock.getAsLong(), v.getMetadata().getName(), v.getRaw())));
    }

    /** The node autoscaler's NodeClaims, Events and status, when a nodes hypothesis judges it. */
    private void nodeAutoscaler(Scope scope) {
        if (scope.nodeAutoscaler()) {
            nodeAutoscaler = new NodeAutoscalerWatch(
                    shared.watchClient(), threads, scope.namespace(), pod -> targetPod(scope, pod), clock, this::emit);
        }
    }

    /**
     * Which node autoscalers the run watches ({@code karpenter}, {@code cluster-autoscaler}), once
     * their sources listed (up to the limit); none when not watched.
     */
    public java.util.Set<String> nodeAutoscalers(java.time.Duration limit) throws InterruptedException {
        return nodeAutoscaler == null ? java.util.Set.of() : nodeAutoscaler.watched(limit);
    }

    /** Whether the namespace's VerticalPodAutoscalers were listed within the limit (false when not watched). */
    public boolean vpasListed(java.time.Duration limit) throws InterruptedException {
        return vpaInformer != null && Awaiting.listed(List.of(vpaInformer), limit);
    }

    /** Whether the namespace's Killing Events were listed within the limit. */
    public boolean probeKillsListed(java.time.Duration limit) throws InterruptedException {
        return probeEvents != null && Awaiting.listed(List.of(probeEvents), limit);
    }

    /** Whether the EndpointSlices were listed within the limit (false when the scope leaves them out). */
    public boolean rotationListed(java.time.Duration limit) throws InterruptedException {
        return endpoints != null && Awaiting.listed(List.of(endpoints), limit);
    }

    private interface Translate<T> {
        /** The observation for an object seen ({@code gone}: deleted), or null when there is nothing to say. */
        Observed apply(T object, boolean gone);
    }

    private <T extends KubernetesObject> void inform(SharedIndexInformer<T> informer, Translate<T> translate) {
        informers.add(informer);
        informer.addEventHandler(handler(translate));
    }

    private <T extends KubernetesObject> ResourceEventHandler<T> handler(Translate<T> translate) {
        Function<T, Observed> seen = o -> translate.apply(o, false);
        return new ResourceEventHandler<>() {
            @Override
            public void onAdd(T obj) {
                emit(seen.apply(obj));
            }

            @Override
            public void onUpdate(T oldObj, T newObj) {
                emit(seen.apply(newObj));
            }

            @Override
            public void onDelete(T obj, boolean deletedFinalStateUnknown) {
                emit(translate.apply(obj, true));
            }
        };
    }

    private void emit(Observed o) {
        // The shared watches outlive this one: nothing is reported after close.
        if (o != null && !closed) {
            sink.accept(o);
        }
    }

    /** Starts every watch and waits (up to the limit) until each has listed once and told what it listed. */
    public boolean start(java.time.Duration limit) throws InterruptedException {
        boolean first = started.compareAndSet(false, true);
        if (first && nodeAutoscaler != null) {
            nodeAutoscaler.start();
        }
        // Listed, and told: the timeline calls what it hears of after this "created" during the run.
        long begun = System.nanoTime();
        boolean listed = Awaiting.started(factory, informers, limit)
                && shared.toldAll(informers, limit.minusNanos(System.nanoTime() - begun));
        if (first && memorySampler != null) {
            memorySampler.start();
        }
        return listed;
    }

    private Observed hpa(V2HorizontalPodAutoscaler h) {
        var spec = h.getSpec();
        var status = h.getStatus();
        List<V2MetricSpec> metrics = spec == null || spec.getMetrics() == null ? List.of() : spec.getMetrics();
        List<V2MetricStatus> current =
                status == null || status.getCurrentMetrics() == null ? List.of() : status.getCurrentMetrics();
        String metric = metrics.isEmpty() ? "cpu" : metricName(metrics.get(0));
        Double target = metrics.isEmpty()
                ? 80.0
                : targetValue(
                        metrics.get(0).getResource() == null
                                ? null
                                : metrics.get(0).getResource().getTarget());
        Double value = current.isEmpty() || current.get(0).getResource() == null
                ? null
                : currentValue(current.get(0).getResource().getCurrent());
        return new Observed.HpaStatus(
                clock.getAsLong(),
                h.getMetadata().getName(),
                status == null ? 0 : orZero(status.getCurrentReplicas()),
                status == null ? 0 : orZero(status.getDesiredReplicas()),
                spec == null || spec.getMinReplicas() == null ? 1 : spec.getMinReplicas(),
                spec == null ? 0 : spec.getMaxReplicas(),
                metric,
                value,
                target);
    }

    private static String metricName(V2MetricSpec m) {
        return m.getResource() != null ? m.getResource().getName() : m.getType();
    }

    /** Utilization targets are percent of requests; the only kind the evaluators compare. */
    private static Double targetValue(V2MetricTarget target) {
        return target == null || target.getAverageUtilization() == null
                ? null
                : target.getAverageUtilization().doubleValue();
    }

    private static Double currentValue(V2MetricValueStatus current) {
        return current == null || current.getAverageUtilization() == null
                ? null
                : current.getAverageUtilization().doubleValue();
    }

    private Observed pod(V1Pod p, Observed.Departure departure) {
        boolean gone = departure != Observed.Departure.NONE;
        var meta = p.getMetadata();
        return new Observed.PodStatus(
                clock.getAsLong(),
                meta.getUid(),
                meta.getName(),
                p.getSpec() == null ? null : p.getSpec().getNodeName(),
                ClusterReader.ready(p) && !gone,
                meta.getDeletionTimestamp() != null,
                gone,
                ClusterReader.stopped(p),
                departure,
                p.getStatus() == null || p.getStatus().getQosClass() == null
                        ? ""
                        : p.getStatus().getQosClass());
    }

    private Observed node(V1Node n, boolean gone) {
        var view = ClusterReader.node(n);
        return new Observed.NodeStatus(
                clock.getAsLong(),
                view.name(),
                view.ready(),
                view.schedulable(),
                gone,
                ClusterReader.memoryPressure(n),
                ClusterReader.memoryPressureTaint(n));
    }

    private Observed workload(String name, Integer replicas, Integer ready, Integer available) {
        return new Observed.WorkloadStatus(clock.getAsLong(), name, orZero(replicas), orZero(ready), orZero(available));
    }

    private static int orZero(Integer i) {
        return Objects.requireNonNullElse(i, 0);
    }

    @Override
    public void close() {
        closed = true;
        if (memorySampler != null) {
            memorySampler.interrupt();
        }
        if (nodeAutoscaler != null) {
            nodeAutoscaler.close();
        }
        factory.stopAllRegisteredInformers(true);
        threads.shutdownNow();
    }
}
