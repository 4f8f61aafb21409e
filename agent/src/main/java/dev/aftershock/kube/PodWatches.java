package dev.aftershock.kube;

import com.google.gson.reflect.TypeToken;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.util.Watch;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * Waits on pods by watching the API server, not by polling: a pod's disappearance (a watch of its
 * own, resumed from the last resourceVersion when the server closes it), what followed each kill
 * (the namespace's shared pod watch) and the Services' rotation (EndpointSlices).
 */
public final class PodWatches {
    private final SharedInformers informers;
    private final ApiClient watchClient;
    private final CoreV1Api core;

    public PodWatches(SharedInformers informers) {
        this.informers = informers;
        this.watchClient = informers.watchClient();
        this.core = new CoreV1Api(watchClient);
    }

    /** Over the namespace's shared pod watch: when each killed pod is gone, which replacement is whose (see {@link PodKillTracker}). */
    public PodKillTracker kills(String namespace, Map<String, String> selector) throws InterruptedException {
        return new PodKillTracker(informers, namespace, selector);
    }

    /** A watch over the namespace's EndpointSlices: which pods are in a Service's rotation (see {@link EndpointTracker}). */
    public EndpointTracker endpoints(String namespace) throws InterruptedException {
        // Short: the first kill waits for it, and a kill's timing is the point of the run.
        return new EndpointTracker(watchClient, namespace, Duration.ofSeconds(3));
    }

    /** The uid of the pod of that name now, if it exists. */
    public Optional<String> uidOf(String namespace, String name) throws ApiException {
        try {
            return Optional.of(core.readNamespacedPod(name, namespace)
                    .execute()
                    .getMetadata()
                    .getUid());
        } catch (ApiException e) {
            if (e.getCode() == 404) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /**
     * When the kubelet decided to kill the container (its Killing event, "Container x failed liveness
     * probe, will be restarted") at or after {@code since}; Events carry whole seconds, so the time is
     * the start of that second, or {@code since} when that is later.
     */
    public Optional<Instant> killedByKubelet(String namespace, String uid, String container, Instant since)
            throws ApiException {
        Instant sinceSecond = since.truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        Optional<Instant> first = Optional.empty();
        for (var e : core.listNamespacedEvent(namespace)
                .fieldSelector("involvedObject.uid=" + uid + ",reason=Killing")
                .execute()
                .getItems()) {
            String message = e.getMessage() == null ? "" : e.getMessage();
            if (!message.contains("Container " + container + " ")) {
                continue;
            }
            // Repeats of one event are counted on it: the first one since, or the last one.
            for (var t : java.util.Arrays.asList(e.getFirstTimestamp(), e.getLastTimestamp())) {
                if (t != null && !t.toInstant().isBefore(sinceSecond)) {
                    Instant when = t.toInstant().isBefore(since) ? since : t.toInstant();
                    if (first.isEmpty() || when.isBefore(first.get())) {
                        first = Optional.of(when);
                    }
                    break;
                }
            }
        }
        return first;
    }

    /** Waits until the pod with this uid no longer exists; false if it still does at the deadline. */
    public boolean awaitGone(
            String namespace, String name, String uid, Instant deadline, java.util.function.BooleanSupplier stop)
            throws ApiException {
        String field = "metadata.name=" + name;
        while (Instant.now().isBefore(deadline) && !stop.getAsBoolean()) {
            var list = core.listNamespacedPod(namespace).fieldSelector(field).execute();
            if (list.getItems().stream()
                    .noneMatch(p -> uid.equals(p.getMetadata().getUid()))) {
                return true;
            }
            String resourceVersion = list.getMetadata().getResourceVersion();
            // At most a few seconds per watch: a run that is stopping is noticed between them.
            Instant chunk = Instant.now().plusSeconds(5).isBefore(deadline)
                    ? Instant.now().plusSeconds(5)
                    : deadline;
            if (watchUntil(
                    namespace,
                    field,
                    null,
                    resourceVersion,
                    chunk,
                    (type, pod) -> type.equals("DELETED")
                            && uid.equals(pod.getMetadata().getUid()))) {
                return true;
            }
        }
        return false;
    }

    private interface Until {
        boolean test(String type, V1Pod pod);
    }

    /** One watch call: true as soon as {@code until} holds; false when the watch ends or the deadline passes. */
    private boolean watchUntil(
            String namespace, String field, String labels, String resourceVersion, Instant deadline, Until until)
            throws ApiException {
        long seconds = Math.max(1, Duration.between(Instant.now(), deadline).toSeconds());
        var request = core.listNamespacedPod(namespace)
                .watch(true)
                .allowWatchBookmarks(false)
                .resourceVersion(resourceVersion)
                .timeoutSeconds((int) Math.min(seconds, 300));
        if (field != null) {
            request.fieldSelector(field);
        }
        if (labels != null) {
            request.labelSelector(labels);
        }
        try (Watch<V1Pod> watch = Watch.createWatch(
                watchClient, request.buildCall(null), new TypeToken<Watch.Response<V1Pod>>() {}.getType())) {
            for (Watch.Response<V1Pod> event : watch) {
                if (event.object != null && until.test(event.type, event.object)) {
                    return true;
                }
                if (Instant.now().isAfter(deadline)) {
                    return false;
                }
            }
        } catch (IOException | RuntimeException closed) {
            // The server ended the watch (timeout, 410 Gone): the caller lists again and resumes.
        }
        return false;
    }
}
