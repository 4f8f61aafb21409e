package dev.aftershock.kube;

import io.kubernetes.client.custom.V1Patch;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1Node;
import io.kubernetes.client.util.PatchUtils;
import java.util.List;
import java.util.Map;

/**
 * Cordon and uncordon. The cordon and the annotations that name the run land in one patch, so a node
 * is never cordoned by Aftershock without saying so; uncordon restores the state recorded then.
 */
public final class Nodes {
    /** The node's schedulability before Aftershock touched it, and whether this run holds it. */
    public record Cordoned(String node, boolean wasUnschedulable) {}

    public record Marked(String node, String run, String fault, boolean wasUnschedulable) {}

    private final ApiClient client;
    private final CoreV1Api core;

    public Nodes(ApiClient client) {
        this.client = client;
        this.core = new CoreV1Api(client);
    }

    public Cordoned cordon(String node, String run, String fault) throws ApiException {
        V1Node current = core.readNode(node).execute();
        boolean was = current.getSpec() != null
                && Boolean.TRUE.equals(current.getSpec().getUnschedulable());
        String patch =
                """
                {"metadata":{"annotations":{"%s":"%s","%s":"%s","%s":"%s"}},"spec":{"unschedulable":true}}""".formatted(Annotations.RUN, run, Annotations.FAULT, fault, Annotations.WAS_UNSCHEDULABLE, was);
        patch(node, patch, current.getMetadata().getResourceVersion());
        return new Cordoned(node, was);
    }

    /** Restores the recorded state and removes the marks; a node another run holds is left alone. */
    public boolean uncordon(String node, String run) throws ApiException {
        V1Node current;
        try {
            current = core.readNode(node).execute();
        } catch (ApiException e) {
            if (e.getCode() == 404) {
                return false;
            }
            throw e;
        }
        Map<String, String> annotations = current.getMetadata().getAnnotations() == null
                ? Map.of()
                : current.getMetadata().getAnnotations();
        if (!run.equals(annotations.get(Annotations.RUN))) {
            return false;
        }
        boolean was = Boolean.parseBoolean(annotations.get(Annotations.WAS_UNSCHEDULABLE));
        String patch =
                """
                {"metadata":{"annotations":{"%s":null,"%s":null,"%s":null}},"spec":{"unschedulable":%s}}""".formatted(Annotations.RUN, Annotations.FAULT, Annotations.WAS_UNSCHEDULABLE, was ? "true" : "null");
        patch(node, patch, current.getMetadata().getResourceVersion());
        return true;
    }

    /** Every node some run of Aftershock marked and did not recover. */
    public List<Marked> marked() throws ApiException {
        return core.listNode().execute().getItems().stream()
                .filter(n -> n.getMetadata().getAnnotations() != null
                        && n.getMetadata().getAnnotations().containsKey(Annotations.RUN))
                .map(n -> {
                    var a = n.getMetadata().getAnnotations();
                    return new Marked(
                            n.getMetadata().getName(),
                            a.get(Annotations.RUN),
                            a.getOrDefault(Annotations.FAULT, "?"),
                            Boolean.parseBoolean(a.get(Annotations.WAS_UNSCHEDULABLE)));
                })
                .toList();
    }

    private void patch(String node, String mergePatch, String resourceVersion) throws ApiException {
        // The resourceVersion makes the patch fail if the node changed since it was read (409): no lost update.
        String guarded = mergePatch.replaceFirst(
                "\\{\"metadata\":\\{", "{\"metadata\":{\"resourceVersion\":\"" + resourceVersion + "\",");
        PatchUtils.patch(
                V1Node.class,
                () -> core.patchNode(node, new V1Patch(guarded)).buildCall(null),
                V1Patch.PATCH_FORMAT_JSON_MERGE_PATCH,
                client);
    }
}
