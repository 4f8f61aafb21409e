package dev.aftershock.kube;

import dev.aftershock.fault.ClusterOps;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.Pair;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Pod deletion with an explicit grace period, or the pod's own when none is given: one API call. */
public final class Pods {
    private final ApiClient client;

    public Pods(ApiClient client) {
        this.client = client;
    }

    /**
     * Deletes the pod: with {@code uidPrecondition}, exactly the pod with that uid (never a same-named
     * successor: StatefulSet pods keep names, see {@link #successorMayTakeName}); without, the call a
     * user makes, with no body. The answer's body (the whole pod) is not decoded: the grace period is
     * the one asked for, else the pod's own as the caller read it ({@code ownGrace}), else unknown
     * (-1). With {@code dryRun} the API server checks the call and changes nothing (a run warms its
     * path so).
     */
    public ClusterOps.PodDeletion delete(
            String namespace,
            String name,
            Optional<String> uidPrecondition,
            Optional<Duration> gracePeriod,
            Optional<Long> ownGrace,
            boolean dryRun)
            throws ApiException {
        List<Pair> query = new ArrayList<>();
        if (uidPrecondition.isEmpty()) {
            gracePeriod.ifPresent(g -> query.add(new Pair("gracePeriodSeconds", Long.toString(g.toSeconds()))));
            if (dryRun) {
                query.add(new Pair("dryRun", "All"));
            }
        }
        Map<String, String> headers = new HashMap<>();
        headers.put("Accept", "application/json");
        headers.put("Content-Type", "application/json");
        var call = client.buildCall(
                null,
                "/api/v1/namespaces/" + client.escapeString(namespace) + "/pods/" + client.escapeString(name),
                "DELETE",
                query,
                new ArrayList<Pair>(),
                uidPrecondition
                        .map(uid -> deleteOptions(uid, gracePeriod, dryRun))
                        .orElse(null),
                headers,
                new HashMap<>(),
                new HashMap<>(),
                new String[] {"BearerToken"},
                null);
        try {
            client.execute(call);
        } catch (ApiException e) {
            // 404: gone already; 409 (only with the uid precondition): a successor holds the name.
            if (e.getCode() == 404 || e.getCode() == 409) {
                return new ClusterOps.AlreadyGone();
            }
            throw e;
        }
        return new ClusterOps.Terminating(gracePeriod.map(Duration::toSeconds).orElseGet(() -> ownGrace.orElse(-1L)));
    }

    /**
     * The controllers (apiVersion/kind) whose pods get names the API server generates and never keep a
     * predecessor's; a custom resource of the same kind does not count.
     */
    private static final java.util.Set<String> GENERATED_NAME_OWNERS =
            java.util.Set.of("apps/v1/ReplicaSet", "apps/v1/DaemonSet", "batch/v1/Job");

    /**
     * Whether a pod that replaces this one could carry its name, so that a delete by name alone could
     * hit the wrong pod. False only for a pod whose controller is a ReplicaSet, DaemonSet or Job and
     * whose name the API server generated ({@code generateName} plus five random characters, never
     * handed out twice while either pod exists). StatefulSet pods also carry a {@code generateName},
     * but their controller names them {@code <set>-<ordinal>} and their successors keep it; they, pods
     * named by hand and pods without such a controller keep the precondition. (A pod re-created on
     * purpose under the same generated name, by a restore say, within the moments between the pick
     * and the kill, is the case left.) On the kill path the precondition's body cost half a
     * millisecond to one per call, measured side by side.
     */
    public static boolean successorMayTakeName(V1ObjectMeta meta) {
        String generated = meta.getGenerateName();
        String name = meta.getName();
        boolean generatedName = generated != null
                && !generated.isEmpty()
                && name != null
                && name.length() == generated.length() + 5
                && name.startsWith(generated);
        boolean byAGeneratingController = meta.getOwnerReferences() != null
                && meta.getOwnerReferences().stream()
                        .anyMatch(o -> Boolean.TRUE.equals(o.getController())
                                && GENERATED_NAME_OWNERS.contains(o.getApiVersion() + "/" + o.getKind()));
        return !(generatedName && byAGeneratingController);
    }

    /**
     * The precondition a delete of the pod with this uid carries: none only for a pod the watch has
     * seen under that uid (its metadata given) whose name no successor can take; the uid otherwise,
     * a pod the watch has not seen included.
     */
    static Optional<String> uidPrecondition(Optional<V1ObjectMeta> watched, String uid) {
        return watched.isPresent() && !successorMayTakeName(watched.get()) ? Optional.empty() : Optional.of(uid);
    }

    /**
     * The DeleteOptions as JSON bytes, written here rather than by the client's Gson: on a kill's
     * path, Gson's tree building cost about half a millisecond per call (measured side by side against
     * these bytes). The uid precondition must be in a body: the API server takes no preconditions
     * from the query, and with a body it reads every option from it (dryRun too).
     */
    static byte[] deleteOptions(String uid, Optional<Duration> gracePeriod, boolean dryRun) {
        StringBuilder json = new StringBuilder(160)
                .append("{\"apiVersion\":\"v1\",\"kind\":\"DeleteOptions\",\"preconditions\":{\"uid\":");
        quote(uid, json);
        json.append('}');
        gracePeriod.ifPresent(g -> json.append(",\"gracePeriodSeconds\":").append(g.toSeconds()));
        if (dryRun) {
            json.append(",\"dryRun\":[\"All\"]");
        }
        return json.append('}').toString().getBytes(StandardCharsets.UTF_8);
    }

    /** A JSON string: a uid is the API server's UUID, but nothing unescaped goes into a body. */
    private static void quote(String s, StringBuilder out) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c < 0x20) {
                out.append("\\u%04x".formatted((int) c));
            } else {
                out.append(c);
            }
        }
        out.append('"');
    }
}
