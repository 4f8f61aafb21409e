package dev.aftershock.kube;

import io.kubernetes.client.custom.V1Patch;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.AppsV1Api;
import io.kubernetes.client.openapi.models.V1Deployment;
import io.kubernetes.client.openapi.models.V1StatefulSet;
import io.kubernetes.client.util.PatchUtils;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Objects;
import java.util.Optional;

/**
 * A workload's rolling restart as {@code kubectl rollout restart} makes it (the pod template's
 * {@code kubectl.kubernetes.io/restartedAt} annotation), and its end as {@code kubectl rollout
 * status} judges it.
 */
final class Rollouts {
    static final String RESTARTED_AT = "kubectl.kubernetes.io/restartedAt";
    private static final long POLL_MS = 200;

    private final ApiClient client;
    private final AppsV1Api apps;
    private final java.util.Map<String, Long> lastGeneration = new java.util.concurrent.ConcurrentHashMap<>();

    Rollouts(ApiClient client) {
        this.client = client;
        this.apps = new AppsV1Api(client);
    }

    /** The generation the change made: the rollout is over once the controller has finished it. */
    long restart(String ns, String kind, String name, Instant at) throws ApiException {
        // To the millisecond (kubectl writes whole seconds): two restarts in one second still differ.
        String stamp = DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(
                at.truncatedTo(ChronoUnit.MILLIS).atOffset(ZoneOffset.UTC));
        V1Patch patch = new V1Patch("{\"spec\":{\"template\":{\"metadata\":{\"annotations\":{\"" + RESTARTED_AT
                + "\":\"" + stamp + "\"}}}}}");
        if (kind.equals("StatefulSet")) {
            V1StatefulSet s = PatchUtils.patch(
                    V1StatefulSet.class,
                    () -> apps.patchNamespacedStatefulSet(name, ns, patch).buildCall(null),
                    V1Patch.PATCH_FORMAT_STRATEGIC_MERGE_PATCH,
                    client);
            return rose(s.getMetadata().getGeneration(), kind, name);
        }
        V1Deployment d = PatchUtils.patch(
                V1Deployment.class,
                () -> apps.patchNamespacedDeployment(name, ns, patch).buildCall(null),
                V1Patch.PATCH_FORMAT_STRATEGIC_MERGE_PATCH,
                client);
        return rose(d.getMetadata().getGeneration(), kind, name);
    }

    /** A patch that changed nothing (the same stamp) rolls nothing: that is no restart. */
    private long rose(Long generation, String kind, String name) {
        if (generation == null || generation == lastGeneration.getOrDefault(kind + "/" + name, -1L)) {
            throw new IllegalStateException(
                    "the pod template of %s %s did not change: no rollout".formatted(kind, name));
        }
        lastGeneration.put(kind + "/" + name, generation);
        return generation;
    }

    Optional<Instant> awaitDone(String ns, String kind, String name, long generation, Instant deadline)
            throws ApiException, InterruptedException {
        while (Instant.now().isBefore(deadline)) {
            if (kind.equals("StatefulSet")
                    ? statefulSetDone(ns, name, generation)
                    : deploymentDone(ns, name, generation)) {
                return Optional.of(Instant.now());
            }
            Thread.sleep(POLL_MS);
        }
        return Optional.empty();
    }

    /** kubectl's rule: observed, every replica updated, no old one left, every updated one available. */
    private boolean deploymentDone(String ns, String name, long generation) throws ApiException {
        V1Deployment d = apps.readNamespacedDeployment(name, ns).execute();
        var st = d.getStatus();
        if (st == null || st.getObservedGeneration() == null || st.getObservedGeneration() < generation) {
            return false;
        }
        int wanted = Objects.requireNonNullElse(d.getSpec().getReplicas(), 1);
        int updated = Objects.requireNonNullElse(st.getUpdatedReplicas(), 0);
        int all = Objects.requireNonNullElse(st.getReplicas(), 0);
        int available = Objects.requireNonNullElse(st.getAvailableReplicas(), 0);
        return updated >= wanted && all == updated && available >= updated;
    }

    private boolean statefulSetDone(String ns, String name, long generation) throws ApiException {
        V1StatefulSet s = apps.readNamespacedStatefulSet(name, ns).execute();
        var st = s.getStatus();
        if (st == null || st.getObservedGeneration() == null || st.getObservedGeneration() < generation) {
            return false;
        }
        int wanted = Objects.requireNonNullElse(s.getSpec().getReplicas(), 1);
        return Objects.requireNonNullElse(st.getUpdatedReplicas(), 0) >= wanted
                && Objects.requireNonNullElse(st.getReadyReplicas(), 0) >= wanted
                && Objects.equals(st.getCurrentRevision(), st.getUpdateRevision());
    }
}
