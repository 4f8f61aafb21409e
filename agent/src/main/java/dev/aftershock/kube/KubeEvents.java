package dev.aftershock.kube;

import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.CoreV1Event;
import io.kubernetes.client.openapi.models.V1EventSource;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1ObjectReference;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A Kubernetes Event on every object Aftershock touches, so `kubectl get events` and `kubectl
 * describe` show what it did and why. Writing one must never fail a run: failures are returned.
 */
public final class KubeEvents {
    public static final String COMPONENT = "aftershock";

    public enum Reason {
        AftershockInjected("Normal"),
        AftershockRecovered("Normal"),
        AftershockRecoveryFailed("Warning"),
        AftershockSkipped("Warning"),
        AftershockEvictionBlocked("Warning"),
        ScheduleSpawned("Normal"),
        ScheduleForbidden("Warning"),
        ScheduleMissed("Warning"),
        ScheduleSuspended("Normal"),
        ScheduleResumed("Normal");

        final String type;

        Reason(String type) {
            this.type = type;
        }
    }

    private final CoreV1Api core;

    public KubeEvents(ApiClient client) {
        this.core = new CoreV1Api(client);
    }

    /** Records the event; returns null, or why it could not be written. */
    public String record(String kind, String namespace, String name, Reason reason, String message) {
        // Events about cluster-scoped objects (nodes) live in "default", as the kubelet's do.
        String eventNamespace = namespace == null ? "default" : namespace;
        OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
        CoreV1Event event = new CoreV1Event()
                .metadata(new V1ObjectMeta()
                        .name(name + ".aftershock."
                                + Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xffffffffffL))
                        .namespace(eventNamespace))
                .involvedObject(new V1ObjectReference()
                        .kind(kind)
                        .name(name)
                        .namespace(namespace)
                        .apiVersion(kind.equals("Deployment") || kind.equals("StatefulSet") ? "apps/v1" : "v1"))
                .reason(reason.name())
                .type(reason.type)
                .message(message)
                .source(new V1EventSource().component(COMPONENT))
                .reportingComponent(COMPONENT)
                .reportingInstance(host())
                .firstTimestamp(now)
                .lastTimestamp(now)
                .count(1);
        try {
            core.createNamespacedEvent(eventNamespace, event).execute();
            return null;
        } catch (ApiException e) {
            return "event not written (" + e.getCode() + "): " + StatusMessages.messageOf(e);
        }
    }

    private static String host() {
        String h = System.getenv("HOSTNAME");
        return (h == null || h.isBlank() ? "cli" : h).toLowerCase(Locale.ROOT);
    }
}
