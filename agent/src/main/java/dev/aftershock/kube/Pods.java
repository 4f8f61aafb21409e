package dev.aftershock.kube;

import dev.aftershock.fault.ClusterOps;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1DeleteOptions;
import io.kubernetes.client.openapi.models.V1Pod;
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

    /** Deletes exactly the pod with this uid (never a same-named successor: StatefulSet pods keep names). */
    public ClusterOps.PodDeletion delete(String namespace, String name, String uid, Optional<Duration> gracePeriod)
            throws ApiException {
        V1DeleteOptions options = new V1DeleteOptions().preconditions(new V1Preconditions().uid(uid));
        gracePeriod.ifPresent(g -> options.setGracePeriodSeconds(g.toSeconds()));
        var call = core.deleteNamespacedPod(name, namespace).body(options).buildCall(null);
        try {
            V1Pod deleted = client.<V1Pod>execute(call, V1Pod.class).getData();
            Long grace = deleted == null || deleted.getMetadata() == null
                    ? null
                    : deleted.getMetadata().getDeletionGracePeriodSeconds();
            return new ClusterOps.Terminating(
                    grace != null ? grace : gracePeriod.map(Duration::toSeconds).orElse(0L));
        } catch (ApiException e) {
            // 409: the uid precondition failed, a successor holds the name; 404: gone already.
            if (e.getCode() == 404 || e.getCode() == 409) {
                return new ClusterOps.AlreadyGone();
            }
            throw e;
        } catch (RuntimeException undecodable) {
            // The delete happened; only its answer (a Status rather than the pod) could not be read.
            return new ClusterOps.Terminating(
                    gracePeriod.map(Duration::toSeconds).orElse(-1L));
        }
    }
}
