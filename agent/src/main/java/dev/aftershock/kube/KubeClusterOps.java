package dev.aftershock.kube;

import dev.aftershock.fault.ClusterOps;
import dev.aftershock.fault.NodeMarks;
import dev.aftershock.selection.ClusterSnapshot;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.models.V1Pod;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The cluster operations of faults and recovery, against the API server. */
public final class KubeClusterOps implements ClusterOps {
    private final Nodes nodes;
    private final Pods pods;
    private final Evictions evictions;
    private final PodWatches watches;
    private final KubeEvents events;
    private final LiveState live;
    private final NodeHelpers helpers;
    private final Rollouts rollouts;
    private final NodeMemoryReader memory;
    private final VpaReader vpas;

    /**
     * {@code client} for calls, the run's watches (whoever made them closes them), and how long a
     * recovery keeps retrying before it is reported as failed.
     */
    public KubeClusterOps(ApiClient client, SharedInformers informers, Duration recoveryDeadline) {
        this(client, informers, recoveryDeadline, NodeHelpers.Settings.OFF);
    }

    /** The same, with node helpers as {@code helpers} says (image and namespace). */
    public KubeClusterOps(
            ApiClient client, SharedInformers informers, Duration recoveryDeadline, NodeHelpers.Settings helpers) {
        this.helpers = new NodeHelpers(client, helpers);
        this.rollouts = new Rollouts(client);
        this.memory = new NodeMemoryReader(client);
        this.vpas = new VpaReader(client);
        this.nodes = new Nodes(client, new Retrying(recoveryDeadline));
        this.pods = new Pods(client);
        this.evictions = new Evictions(client);
        this.watches = new PodWatches(informers);
        this.events = new KubeEvents(client);
        this.live = new LiveState(client, informers);
    }

    @Override
    public NodeMemory nodeMemory(String node) throws Exception {
        return memory.now(node);
    }

    @Override
    public Map<String, Long> memoryUseOnNode(String node) throws Exception {
        return memory.useOn(node);
    }

    @Override
    public List<PodLike> podsLike(String namespace, Map<String, String> labels, String controllerUid) throws Exception {
        return memory.podsLike(namespace, labels, controllerUid);
    }

    @Override
    public Optional<VpaMemory> vpaMemory(String namespace, Map<String, String> podLabels, String container)
            throws Exception {
        try {
            return vpas.memoryTarget(namespace, podLabels, container);
        } catch (io.kubernetes.client.openapi.ApiException e) {
            throw new IllegalStateException(StatusMessages.messageOf(e), e);
        }
    }

    @Override
    public boolean memoryPressure(String node) throws Exception {
        return memory.pressure(node);
    }

    @Override
    public List<PodOnNode> podsOnNode(String node) throws Exception {
        return memory.podsOn(node);
    }

    @Override
    public NodeMarks.Held hold(String node, NodeMarks.Holder holder) throws Exception {
        return nodes.hold(node, holder);
    }

    @Override
    public NodeMarks.Released release(String node, NodeMarks.Holder holder) throws Exception {
        return nodes.release(node, holder);
    }

    @Override
    public List<NodeMarks.HeldNode> heldNodes() throws Exception {
        return nodes.held();
    }

    /** From a watch once it has listed (started by the first call: the faults' prepare makes it). */
    @Override
    public List<ClusterSnapshot.NodeView> nodes() throws Exception {
        return live.nodes();
    }

    /** From a watch of the namespace once it has listed (started by the first call). */
    @Override
    public List<ClusterSnapshot.PodView> pods(String namespace) throws Exception {
        return live.pods(namespace);
    }

    @Override
    public PodDeletion deletePod(String namespace, String name, String uid, Optional<Duration> gracePeriod)
            throws Exception {
        return delete(namespace, name, uid, gracePeriod, false);
    }

    @Override
    public void rehearseDelete(String namespace, String name, String uid, Optional<Duration> gracePeriod)
            throws Exception {
        delete(namespace, name, uid, gracePeriod, true);
    }

    /**
     * A pod the watch knows by this uid, with a name the API server generated, is deleted by name
     * alone; any other (a StatefulSet's, one named by hand, one the watch has not seen) only with its
     * uid as a precondition.
     */
    private PodDeletion delete(
            String namespace, String name, String uid, Optional<Duration> gracePeriod, boolean dryRun)
            throws Exception {
        Optional<V1Pod> watched = live.watchedPod(namespace, name, uid);
        Optional<String> precondition = Pods.uidPrecondition(watched.map(V1Pod::getMetadata), uid);
        Optional<Long> ownGrace = watched.map(p -> p.getSpec().getTerminationGracePeriodSeconds());
        return pods.delete(namespace, name, precondition, gracePeriod, ownGrace, dryRun);
    }

    @Override
    public Eviction evict(String namespace, String name, String uid, Optional<Duration> gracePeriod) {
        return evictions.evict(namespace, name, uid, gracePeriod);
    }

    @Override
    public Optional<String> uidOf(String namespace, String name) throws Exception {
        return watches.uidOf(namespace, name);
    }

    @Override
    public boolean awaitGone(
            String namespace, String name, String uid, Instant deadline, java.util.function.BooleanSupplier stop)
            throws Exception {
        return watches.awaitGone(namespace, name, uid, deadline, stop);
    }

    @Override
    public KillWatch watchKills(String namespace, Map<String, String> selector) throws Exception {
        return watches.kills(namespace, selector);
    }

    @Override
    public RotationWatch watchRotation(String namespace) throws Exception {
        return watches.endpoints(namespace);
    }

    @Override
    public HelperStarted startHelper(dev.aftershock.fault.HelperJob job, Instant deadline) throws Exception {
        return helpers.start(job, deadline);
    }

    @Override
    public HelperEnded endHelper(String namespace, String pod, Instant deadline) throws Exception {
        return helpers.end(namespace, pod, deadline);
    }

    @Override
    public long restartRollout(String namespace, String kind, String name, Instant at) throws Exception {
        return rollouts.restart(namespace, kind, name, at);
    }

    @Override
    public Optional<Instant> awaitRollout(String namespace, String kind, String name, long generation, Instant deadline)
            throws Exception {
        return rollouts.awaitDone(namespace, kind, name, generation, deadline);
    }

    @Override
    public Optional<HelperEnded> awaitHelper(String namespace, String pod, Instant deadline) throws Exception {
        return helpers.await(namespace, pod, deadline);
    }

    @Override
    public List<HelperPod> helperPods() throws Exception {
        return helpers.list();
    }

    @Override
    public Optional<String> helperRefusal(dev.aftershock.fault.HelperJob job) {
        return helpers.refusal(job);
    }

    @Override
    public Optional<Instant> killedByKubelet(String namespace, String uid, String container, Instant since)
            throws Exception {
        return watches.killedByKubelet(namespace, uid, container, since);
    }

    @Override
    public Optional<PodStatusNow> podStatus(String namespace, String uid) throws Exception {
        return live.podStatus(namespace, uid);
    }

    @Override
    public String event(String kind, String namespace, String name, EventReason reason, String message) {
        return events.record(kind, namespace, name, KubeEvents.Reason.valueOf(reason.name()), message);
    }
}
