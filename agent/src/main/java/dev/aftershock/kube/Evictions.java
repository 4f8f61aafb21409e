package dev.aftershock.kube;

import dev.aftershock.fault.ClusterOps;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1DeleteOptions;
import io.kubernetes.client.openapi.models.V1Eviction;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1Preconditions;
import java.time.Duration;
import java.util.Optional;

/**
 * Pod evictions through the Eviction API, which respects PodDisruptionBudgets. The generated client
 * cannot read the server's answer (a Status, not an Eviction: "field 'status' not defined in
 * V1Eviction"), so the call is built and executed without decoding the body.
 */
public final class Evictions {
    private final ApiClient client;
    private final CoreV1Api core;

    public Evictions(ApiClient client) {
        this.client = client;
        this.core = new CoreV1Api(client);
    }

    /** Evicts exactly the pod with this uid: a same-named successor (StatefulSet) is never evicted by mistake. */
    public ClusterOps.Eviction evict(String namespace, String pod, String uid, Optional<Duration> gracePeriod) {
        V1DeleteOptions options = new V1DeleteOptions().preconditions(new V1Preconditions().uid(uid));
        gracePeriod.ifPresent(g -> options.setGracePeriodSeconds(g.toSeconds()));
        V1Eviction eviction = new V1Eviction()
                .metadata(new V1ObjectMeta().name(pod).namespace(namespace))
                .deleteOptions(options);
        try {
            var call =
                    core.createNamespacedPodEviction(pod, namespace, eviction).buildCall(null);
            client.execute(call);
            return new ClusterOps.Evicted();
        } catch (ApiException e) {
            return switch (e.getCode()) {
                case 429 -> new ClusterOps.BlockedByBudget(StatusMessages.messageOf(e));
                // 409: the uid precondition failed, so the pod we meant is gone and a successor has its name.
                case 404, 409 -> new ClusterOps.AlreadyGone();
                default -> new ClusterOps.EvictionFailed(e.getCode(), StatusMessages.messageOf(e));
            };
        }
    }
}
