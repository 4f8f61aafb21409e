package dev.aftershock.kube;

import dev.aftershock.api.RunRecords;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1ConfigMap;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Run records as ConfigMaps in the agent's namespace ({@code aftershock-run-<id>}, labelled): they
 * outlive the agent's pod and its emptyDir, so a replacement agent finds the runs its predecessor
 * died in. RBAC: get, list, create and update of ConfigMaps in that namespace only (the chart's Role).
 */
public final class ConfigMapRunRecords implements RunRecords.Store {
    public static final String LABEL = "aftershock.dev/run-record";
    private static final String KEY = "run.json";
    private final CoreV1Api core;
    private final String namespace;
    // Conflicts, outages and throttling are retried: losing a record would lose a run.
    private final Retrying retrying = new Retrying(java.time.Duration.ofSeconds(30));

    public ConfigMapRunRecords(ApiClient client, String namespace) {
        this.core = new CoreV1Api(client);
        this.namespace = namespace;
    }

    private static String name(String id) {
        return "aftershock-run-" + id;
    }

    @Override
    public void put(String id, byte[] json) {
        V1ConfigMap map = new V1ConfigMap()
                .metadata(new V1ObjectMeta()
                        .name(name(id))
                        .labels(Map.of(LABEL, "true", "app.kubernetes.io/managed-by", "aftershock")))
                .data(Map.of(KEY, new String(json, StandardCharsets.UTF_8)));
        try {
            retrying.until(() -> {
                try {
                    return core.createNamespacedConfigMap(namespace, map).execute();
                } catch (ApiException e) {
                    if (e.getCode() != 409) {
                        throw e;
                    }
                    // It exists: replace it (a conflict with a concurrent write is retried whole).
                    V1ConfigMap current =
                            core.readNamespacedConfigMap(name(id), namespace).execute();
                    current.setData(map.getData());
                    return core.replaceNamespacedConfigMap(name(id), namespace, current)
                            .execute();
                }
            });
        } catch (ApiException e) {
            throw new IllegalStateException(
                    "cannot write the record of run %s (ConfigMap %s/%s): %s"
                            .formatted(id, namespace, name(id), StatusMessages.describe(e)),
                    e);
        }
    }

    @Override
    public Optional<byte[]> get(String id) {
        try {
            V1ConfigMap map = core.readNamespacedConfigMap(name(id), namespace).execute();
            return bytes(map);
        } catch (ApiException e) {
            if (e.getCode() == 404) {
                return Optional.empty();
            }
            throw new IllegalStateException(
                    "cannot read the record of run " + id + ": " + StatusMessages.describe(e), e);
        }
    }

    @Override
    public List<byte[]> all() {
        try {
            List<byte[]> all = new ArrayList<>();
            for (V1ConfigMap map : core.listNamespacedConfigMap(namespace)
                    .labelSelector(LABEL + "=true")
                    .execute()
                    .getItems()) {
                bytes(map).ifPresent(all::add);
            }
            return all;
        } catch (ApiException e) {
            throw new IllegalStateException("cannot list the run records: " + StatusMessages.describe(e), e);
        }
    }

    @Override
    public void delete(String id) {
        try {
            retrying.until(() -> {
                try {
                    return core.deleteNamespacedConfigMap(name(id), namespace).execute();
                } catch (ApiException e) {
                    if (e.getCode() == 404) {
                        return null;
                    }
                    throw e;
                }
            });
        } catch (ApiException e) {
            throw new IllegalStateException(
                    "cannot delete the record of run " + id + ": " + StatusMessages.describe(e), e);
        }
    }

    private static Optional<byte[]> bytes(V1ConfigMap map) {
        return Optional.ofNullable(map.getData()).map(d -> d.get(KEY)).map(s -> s.getBytes(StandardCharsets.UTF_8));
    }
}
