package dev.aftershock.kube;

import dev.aftershock.api.Scheduler;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1ConfigMap;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * Each schedule's state as a ConfigMap {@code aftershock-schedule-<name>} in the agent's namespace:
 * the last scheduled time acted on and whether it is suspended. Written with the resourceVersion it
 * was read at, so of two writers (a retry, a second agent) only one claims a scheduled time. The
 * schedule's Events are about this ConfigMap, so {@code kubectl describe configmap} tells its story.
 */
public final class ConfigMapScheduleState implements Scheduler.State, Scheduler.Events {
    public static final String LABEL = "aftershock.dev/schedule-state";
    private static final String LAST = "lastActedOn";
    private static final String SUSPENDED = "suspended";
    private final CoreV1Api core;
    private final KubeEvents events;
    private final String namespace;
    private final Retrying retrying = new Retrying(java.time.Duration.ofSeconds(30));

    public ConfigMapScheduleState(ApiClient client, String namespace) {
        this.core = new CoreV1Api(client);
        this.events = new KubeEvents(client);
        this.namespace = namespace;
    }

    private static String name(String schedule) {
        return "aftershock-schedule-" + schedule;
    }

    @Override
    public Optional<Scheduler.Stored> read(String schedule) {
        try {
            V1ConfigMap map = retrying.until(() -> {
                try {
                    return core.readNamespacedConfigMap(name(schedule), namespace)
                            .execute();
                } catch (ApiException e) {
                    if (e.getCode() == 404) {
                        return null;
                    }
                    throw e;
                }
            });
            if (map == null || map.getData() == null || map.getData().get(LAST) == null) {
                return Optional.empty();
            }
            return Optional.of(new Scheduler.Stored(
                    Instant.parse(map.getData().get(LAST)),
                    Boolean.parseBoolean(map.getData().get(SUSPENDED)),
                    map.getMetadata().getResourceVersion()));
        } catch (ApiException e) {
            throw new IllegalStateException(
                    "cannot read the state of schedule " + schedule + ": " + StatusMessages.describe(e), e);
        }
    }

    @Override
    public boolean write(String schedule, Scheduler.Stored next, Scheduler.Stored seen) {
        V1ConfigMap map = new V1ConfigMap()
                .metadata(new V1ObjectMeta()
                        .name(name(schedule))
                        .resourceVersion(seen == null ? null : seen.version())
                        .labels(Map.of(LABEL, "true", "app.kubernetes.io/managed-by", "aftershock")))
                .data(Map.of(LAST, next.lastActedOn().toString(), SUSPENDED, Boolean.toString(next.suspended())));
        try {
            if (seen == null) {
                core.createNamespacedConfigMap(namespace, map).execute();
            } else {
                core.replaceNamespacedConfigMap(name(schedule), namespace, map).execute();
            }
            return true;
        } catch (ApiException e) {
            if (e.getCode() == 409) {
                // Someone wrote since it was read (or created it first): theirs stands.
                return false;
            }
            throw new IllegalStateException(
                    "cannot write the state of schedule " + schedule + ": " + StatusMessages.describe(e), e);
        }
    }

    @Override
    public void record(String schedule, String reason, String message) {
        events.record("ConfigMap", namespace, name(schedule), KubeEvents.Reason.valueOf(reason), message);
    }
}
