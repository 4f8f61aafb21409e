package dev.aftershock.kube;

import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1DeleteOptions;
import io.kubernetes.client.openapi.models.V1Eviction;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import java.time.Duration;
import java.util.Optional;

/**
 * Pod evictions through the Eviction API, which respects PodDisruptionBudgets. The generated client
 * cannot read the server's answer (a Status, not an Eviction: "field 'status' not defined in
 * V1Eviction"), so the call is built and executed without decoding the body.
 */
public final class Evictions {
    public sealed interface Outcome {}

    /** The eviction was accepted; the pod is now terminating. */
    public record Evicted() implements Outcome {}

    /** HTTP 429: a PodDisruptionBudget does not allow this eviction now. */
    public record BlockedByBudget(String reason) implements Outcome {}

    /** The pod no longer exists. */
    public record AlreadyGone() implements Outcome {}

    public record Failed(int httpStatus, String reason) implements Outcome {}

    private final ApiClient client;
    private final CoreV1Api core;

    public Evictions(ApiClient client) {
        this.client = client;
        this.core = new CoreV1Api(client);
    }

    public Outcome evict(String namespace, String pod, Optional<Duration> gracePeriod) {
        V1DeleteOptions options = new V1DeleteOptions();
        gracePeriod.ifPresent(g -> options.setGracePeriodSeconds(g.toSeconds()));
        V1Eviction eviction = new V1Eviction()
                .metadata(new V1ObjectMeta().name(pod).namespace(namespace))
                .deleteOptions(options);
        try {
            var call =
                    core.createNamespacedPodEviction(pod, namespace, eviction).buildCall(null);
            client.execute(call);
            return new Evicted();
        } catch (ApiException e) {
            return switch (e.getCode()) {
                case 429 -> new BlockedByBudget(StatusMessages.messageOf(e));
                case 404 -> new AlreadyGone();
                default -> new Failed(e.getCode(), StatusMessages.messageOf(e));
            };
        }
    }
}
