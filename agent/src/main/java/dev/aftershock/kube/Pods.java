package dev.aftershock.kube;

import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1DeleteOptions;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1Preconditions;
import java.time.Duration;
import java.util.Optional;

/**
 * Pod deletion with an explicit grace period, or the pod's own when none is given. The answer to a
 * delete may be the pod or a Status, so it is not decoded: the pod is read first instead.
 */
public final class Pods {
    public sealed interface Deleted {}

    /** The pod is terminating and has {@code graceSeconds} to exit. */
    public record Terminating(long graceSeconds, String uid) implements Deleted {}

    public record AlreadyGone() implements Deleted {}

    private final ApiClient client;
    private final CoreV1Api core;

    public Pods(ApiClient client) {
        this.client = client;
        this.core = new CoreV1Api(client);
    }

    public Deleted delete(String namespace, String name, Optional<Duration> gracePeriod) throws ApiException {
        V1Pod pod;
        try {
            pod = core.readNamespacedPod(name, namespace).execute();
        } catch (ApiException e) {
            if (e.getCode() == 404) {
                return new AlreadyGone();
            }
            throw e;
        }
        String uid = pod.getMetadata().getUid();
        // The uid precondition: never delete a same-named successor (StatefulSet pods keep their names).
        V1DeleteOptions options = new V1DeleteOptions().preconditions(new V1Preconditions().uid(uid));
        gracePeriod.ifPresent(g -> options.setGracePeriodSeconds(g.toSeconds()));
        long grace = gracePeriod
                .map(Duration::toSeconds)
                .orElseGet(() -> pod.getSpec().getTerminationGracePeriodSeconds() == null
                        ? 30L
                        : pod.getSpec().getTerminationGracePeriodSeconds());
        try {
            client.execute(
                    core.deleteNamespacedPod(name, namespace).body(options).buildCall(null));
            return new Terminating(grace, uid);
        } catch (ApiException e) {
            if (e.getCode() == 404 || e.getCode() == 409) {
                return new AlreadyGone();
            }
            throw e;
        }
    }
}
