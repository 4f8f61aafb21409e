package dev.aftershock.kube;

import dev.aftershock.fault.ClusterOps;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1DeleteOptions;
import io.kubernetes.client.openapi.models.V1Preconditions;
import java.time.Duration;
import java.util.Optional;

/** Pod deletion with an explicit grace period, or the pod's own when none is given: one API call. */
public final class Pods {
    private final ApiClient client;
    private final CoreV1Api core;

    public Pods(ApiClient client) {
        this.client = client;
        this.core = new CoreV1Api(client);
    }

    /**
     * Deletes exactly the pod with this uid (never a same-named successor: StatefulSet pods keep
     * names). The answer's body (the whole pod) is not decoded: the grace period is the one asked
     * for, else the pod's own as the caller read it ({@code ownGrace}), else unknown (-1). With
     * {@code dryRun} the API server checks the call and changes nothing (a run warms its path so).
     */
    public ClusterOps.PodDeletion delete(
            String namespace,
            String name,
            String uid,
            Optional<Duration> gracePeriod,
            Optional<Long> ownGrace,
            boolean dryRun)
            throws ApiException {
        V1DeleteOptions options = new V1DeleteOptions().preconditions(new V1Preconditions().uid(uid));
        gracePeriod.ifPresent(g -> options.setGracePeriodSeconds(g.toSeconds()));
        if (dryRun) {
            // In the body: with a body, the API server reads every option from it and ignores the query.
            options.setDryRun(java.util.List.of("All"));
        }
        var request = core.deleteNamespacedPod(name, namespace).body(options);
        try {
            client.execute(request.buildCall(null));
        } catch (ApiException e) {
            // 409: the uid precondition failed, a successor holds the name; 404: gone already.
            if (e.getCode() == 404 || e.getCode() == 409) {
                return new ClusterOps.AlreadyGone();
            }
            throw e;
        }
        return new ClusterOps.Terminating(gracePeriod.map(Duration::toSeconds).orElseGet(() -> ownGrace.orElse(-1L)));
    }
}
