package dev.aftershock.kube;

import dev.aftershock.evaluation.Observed;
import dev.aftershock.evaluation.Observed.NodeAutoscaling.Step;
import io.kubernetes.client.informer.ResourceEventHandler;
import io.kubernetes.client.informer.SharedIndexInformer;
import io.kubernetes.client.informer.SharedInformerFactory;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.CoreV1Event;
import io.kubernetes.client.openapi.models.V1ConfigMap;
import io.kubernetes.client.openapi.models.V1ConfigMapList;
import io.kubernetes.client.util.generic.dynamic.DynamicKubernetesApi;
import io.kubernetes.client.util.generic.dynamic.DynamicKubernetesObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Predicate;

/**
 * Watches whichever node autoscaler the cluster runs, for a run with a {@code nodes} hypothesis:
 * Karpenter's NodeClaims, the Events both autoscalers tell on the target's pods, the
 * cluster-autoscaler's {@code ScaleDown} node Events (in {@code default}, where a cluster-scoped
 * object's Events go) and its status ConfigMap. Each informer has a factory of its own: a factory
 * starts one informer per object type, and the run's other watches have Event and dynamic ones.
 * A cluster without one of them (no Karpenter CRD, no cluster-autoscaler) or an RBAC that refuses
 * one leaves that source silent; the rest go on.
 */
final class NodeAutoscalerWatch implements AutoCloseable {
    private final List<SharedInformerFactory> factories = new ArrayList<>();
    private final List<SharedIndexInformer<?>> informers = new ArrayList<>();
    private final ApiClient client;
    private final ExecutorService threads;
    private final LongSupplier clock;
    private final Consumer<Observed> sink;
    private final Instant begun = Instant.now().minusSeconds(2);
    /** The steps already told of each NodeClaim: an update repeats its conditions. */
    private final Map<String, Set<Step>> claimSteps = new HashMap<>();

    private SharedIndexInformer<DynamicKubernetesObject> nodeClaims;
    private SharedIndexInformer<V1ConfigMap> statusInformer;
    private boolean scalingUp;
    private boolean statusSeen;

    NodeAutoscalerWatch(
            ApiClient client,
            ExecutorService threads,
            String namespace,
            Predicate<String> targetPod,
            LongSupplier clock,
            Consumer<Observed> sink) {
        this.client = client;
        this.threads = threads;
        this.clock = clock;
        this.sink = sink;
        nodeClaims();
        podEvents(namespace, targetPod);
        nodeEvents();
        clusterAutoscalerStatus();
    }

    void start() {
        factories.forEach(SharedInformerFactory::startAllRegisteredInformers);
    }

    /**
     * Which autoscalers this watch sees, once its sources listed (up to the limit): {@code
     * karpenter} when its NodeClaims could be listed (the CRD is there and the agent may), {@code
     * cluster-autoscaler} when its status ConfigMap is there. Either's Events are read regardless.
     */
    java.util.Set<String> watched(java.time.Duration limit) throws InterruptedException {
        Awaiting.listed(informers, limit);
        java.util.Set<String> watched = new java.util.TreeSet<>();
        if (nodeClaims != null && nodeClaims.hasSynced()) {
            watched.add(NodeAutoscalerSignals.KARPENTER);
        }
        if (statusInformer != null
                && statusInformer.hasSynced()
                && !statusInformer.getIndexer().list().isEmpty()) {
            watched.add(NodeAutoscalerSignals.CLUSTER_AUTOSCALER);
        }
        return watched;
    }

    private SharedInformerFactory factory() {
        SharedInformerFactory factory = new SharedInformerFactory(client, threads, false);
        factories.add(factory);
        return factory;
    }

    private void nodeClaims() {
        var api = new DynamicKubernetesApi("karpenter.sh", "v1", "nodeclaims", client);
        SharedIndexInformer<DynamicKubernetesObject> claims =
                factory().sharedIndexInformerFor(api, DynamicKubernetesObject.class, 0, "", (type, error) -> {});
        nodeClaims = claims;
        informers.add(claims);
        claims.addEventHandler(handler(o -> claim(NodeAutoscalerSignals.nodeClaim(o.getRaw()))));
    }

    private synchronized void claim(NodeAutoscalerSignals.NodeClaim c) {
        boolean first = !claimSteps.containsKey(c.name());
        Set<Step> told = claimSteps.computeIfAbsent(c.name(), n -> new HashSet<>());
        String subject = "nodeclaim/" + c.name();
        // One made before the run is not the run's scale-up, but its removal may be the run's scale-down.
        boolean ofTheRun = !c.created().isBefore(begun);
        if (first && ofTheRun && told.add(Step.SCALE_UP_DECIDED)) {
            tell(Step.SCALE_UP_DECIDED, subject, c.nodeName(), "NodeClaim created");
        }
        if (ofTheRun) {
            for (Step step : c.steps()) {
                if (told.add(step)) {
                    tell(
                            step,
                            subject,
                            c.nodeName(),
                            step.label().substring(0, 1).toUpperCase()
                                    + step.label().substring(1));
                }
            }
        }
        if (c.deleting() && told.add(Step.SCALE_DOWN_DECIDED)) {
            tell(Step.SCALE_DOWN_DECIDED, subject, c.nodeName(), "NodeClaim being deleted");
        }
    }

    private void tell(Step step, String subject, String node, String message) {
        sink.accept(new Observed.NodeAutoscaling(
                clock.getAsLong(), NodeAutoscalerSignals.KARPENTER, step, subject, node, message));
    }

    private void podEvents(String namespace, Predicate<String> targetPod) {
        events(
                namespace,
                "involvedObject.kind=Pod",
                e -> NodeAutoscalerSignals.POD_EVENT_REASONS.contains(e.getReason())
                        && targetPod.test(e.getInvolvedObject().getName()));
    }

    private void nodeEvents() {
        events("default", "involvedObject.kind=Node,reason=" + NodeAutoscalerSignals.NODE_EVENT_REASON, e -> true);
    }

    /** The namespace's Events the selector picks, each told anew since the run began and wanted, as steps. */
    private void events(String namespace, String fieldSelector, Predicate<CoreV1Event> wanted) {
        SharedIndexInformer<CoreV1Event> events = EventsTold.informer(factory(), client, namespace, fieldSelector);
        informers.add(events);
        events.addEventHandler(EventsTold.handler(e -> {
            if (e.getInvolvedObject() == null
                    || !wanted.test(e)
                    || ProbeKills.lastTold(e).map(t -> t.isBefore(begun)).orElse(false)) {
                return;
            }
            NodeAutoscalerSignals.ofEvent(e)
                    .ifPresent(s -> sink.accept(new Observed.NodeAutoscaling(
                            clock.getAsLong(), s.autoscaler(), s.step(), s.subject(), s.node(), s.message())));
        }));
    }

    private void clusterAutoscalerStatus() {
        CoreV1Api core = new CoreV1Api(client);
        statusInformer = factory()
                .sharedIndexInformerFor(
                        p -> core.listNamespacedConfigMap(NodeAutoscalerSignals.STATUS_NAMESPACE)
                                .fieldSelector("metadata.name=" + NodeAutoscalerSignals.STATUS_CONFIGMAP)
                                .resourceVersion(p.resourceVersion)
                                .timeoutSeconds(p.timeoutSeconds)
                                .watch(p.watch)
                                .buildCall(null),
                        V1ConfigMap.class,
                        V1ConfigMapList.class);
        informers.add(statusInformer);
        statusInformer.addEventHandler(handler(this::status));
    }

    /** The status's scale-up turning InProgress is a decision (its Events name the pods). */
    private synchronized void status(V1ConfigMap c) {
        String text = c.getData() == null ? null : c.getData().get("status");
        NodeAutoscalerSignals.clusterAutoscalerStatus(text).ifPresent(s -> {
            // A scale-up in progress when the run began is not the run's.
            if (statusSeen && s.scalingUp() && !scalingUp) {
                sink.accept(new Observed.NodeAutoscaling(
                        clock.getAsLong(),
                        NodeAutoscalerSignals.CLUSTER_AUTOSCALER,
                        Step.SCALE_UP_DECIDED,
                        "configmap/%s/%s"
                                .formatted(
                                        NodeAutoscalerSignals.STATUS_NAMESPACE, NodeAutoscalerSignals.STATUS_CONFIGMAP),
                        "",
                        s.summary()));
            }
            scalingUp = s.scalingUp();
            statusSeen = true;
        });
    }

    private static <T extends io.kubernetes.client.common.KubernetesObject> ResourceEventHandler<T> handler(
            Consumer<T> seen) {
        return new ResourceEventHandler<>() {
            @Override
            public void onAdd(T obj) {
                seen.accept(obj);
            }

            @Override
            public void onUpdate(T oldObj, T newObj) {
                seen.accept(newObj);
            }

            @Override
            public void onDelete(T obj, boolean deletedFinalStateUnknown) {}
        };
    }

    @Override
    public void close() {
        factories.forEach(f -> f.stopAllRegisteredInformers(false));
    }
}
