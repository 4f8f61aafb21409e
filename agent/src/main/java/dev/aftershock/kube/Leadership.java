package dev.aftershock.kube;

import io.kubernetes.client.custom.V1Patch;
import io.kubernetes.client.extended.leaderelection.LeaderElectionConfig;
import io.kubernetes.client.extended.leaderelection.LeaderElector;
import io.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoordinationV1Api;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1Lease;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.util.PatchUtils;
import java.time.Duration;
import java.util.Optional;

/**
 * Which of the agent's replicas schedules and takes runs: the holder of a Lease, elected by
 * client-java's LeaderElector. The leader labels its pod {@link #LABEL}{@code =true}, which the
 * chart's Service selects, so callers reach the leader; the others stay ready (rollouts go on) but out
 * of the Service. A leader that cannot renew in time stops its runs (they recover their faults) and
 * exits, as client-go's leaders do: a replica that may have lost its Lease never schedules.
 * Needs get, create and update on leases, and patch on its own pod, in the agent's namespace.
 */
public final class Leadership {
    public static final String LEASE = "aftershock-agent-leader";
    public static final String LABEL = "aftershock.dev/leader";
    /** How long a dead leader's Lease keeps the others waiting. */
    public static final Duration LEASE_DURATION = Duration.ofSeconds(15);

    private static final Duration RENEW_DEADLINE = Duration.ofSeconds(10);
    private static final Duration RETRY_PERIOD = Duration.ofSeconds(2);

    private final ApiClient client;
    private final String namespace;
    private final String identity;
    private final Optional<String> pod;
    private volatile LeaderElector elector;

    /**
     * @param identity this replica's name in the Lease (its pod's name in a pod)
     * @param pod the pod to label, when the agent runs in one
     */
    public Leadership(ApiClient client, String namespace, String identity, Optional<String> pod) {
        this.client = client;
        this.namespace = namespace;
        this.identity = identity;
        this.pod = pod;
    }

    public String identity() {
        return identity;
    }

    /**
     * Competes for the Lease on a thread of its own: {@code leading} runs once this replica holds it,
     * {@code lost} once it could not renew it in time (after which it never leads again: the process
     * should exit), and {@code newLeader} with each holder it sees, its own identity included: a leader
     * that sees another holder has lost the Lease before its renewal deadline says so.
     */
    public Thread elect(Runnable leading, Runnable lost, java.util.function.Consumer<String> newLeader) {
        LeaderElector running = new LeaderElector(new LeaderElectionConfig(
                new LeaseLock(namespace, LEASE, identity, client), LEASE_DURATION, RENEW_DEADLINE, RETRY_PERIOD));
        this.elector = running;
        // A daemon: after close() the elector's acquire loop ends only with the process.
        return Thread.ofPlatform()
                .daemon()
                .name("aftershock-leader-election")
                .start(() -> running.run(leading, lost, newLeader));
    }

    /** The replica holding the Lease now, if one renewed it within its duration. */
    public Optional<String> leader() {
        try {
            V1Lease lease = new CoordinationV1Api(client)
                    .readNamespacedLease(LEASE, namespace)
                    .execute();
            var spec = lease.getSpec();
            if (spec == null
                    || spec.getHolderIdentity() == null
                    || spec.getHolderIdentity().isBlank()
                    || spec.getRenewTime() == null
                    || spec.getLeaseDurationSeconds() == null) {
                return Optional.empty();
            }
            boolean renewed = spec.getRenewTime()
                    .toInstant()
                    .plusSeconds(spec.getLeaseDurationSeconds())
                    .isAfter(java.time.Instant.now());
            return renewed ? Optional.of(spec.getHolderIdentity()) : Optional.empty();
        } catch (ApiException e) {
            return Optional.empty();
        }
    }

    /** Puts this replica's pod in (true) or out of (false) the Service; nothing outside a pod. */
    public void label(boolean leading) throws ApiException {
        if (pod.isEmpty()) {
            return;
        }
        String body = "{\"metadata\":{\"labels\":{\"%s\":\"%s\"}}}".formatted(LABEL, leading);
        PatchUtils.patch(
                V1Pod.class,
                () -> new CoreV1Api(client)
                        .patchNamespacedPod(pod.get(), namespace, new V1Patch(body))
                        .buildCall(null),
                V1Patch.PATCH_FORMAT_JSON_MERGE_PATCH,
                client);
    }

    /**
     * Lets the Lease go on an orderly stop, so the next replica leads at once rather than after
     * {@link #LEASE_DURATION}: only if this replica still holds it.
     */
    public void release() {
        // First no more renewals (close() also gives the Lease up; what follows is for when that
        // failed on a conflict): a renewal landing after the release would hold the Lease again.
        LeaderElector running = elector;
        if (running != null) {
            running.close();
        }
        try {
            CoordinationV1Api api = new CoordinationV1Api(client);
            V1Lease lease = api.readNamespacedLease(LEASE, namespace).execute();
            if (lease.getSpec() != null && identity.equals(lease.getSpec().getHolderIdentity())) {
                lease.getSpec().setHolderIdentity(null);
                lease.getSpec().setLeaseDurationSeconds(1);
                // Carries the resourceVersion read: a Lease taken meanwhile is left alone.
                api.replaceNamespacedLease(LEASE, namespace, lease).execute();
            }
        } catch (ApiException e) {
            // Not released: it lapses after LEASE_DURATION.
        }
    }
}
