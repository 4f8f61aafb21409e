package dev.aftershock.kube;

import dev.aftershock.fault.NodeMarks;
import io.kubernetes.client.custom.V1Patch;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1Node;
import io.kubernetes.client.util.PatchUtils;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.json.JsonMapper;

/**
 * Holding nodes out of scheduling. The cordon and the marks that name its holders land in one patch,
 * so a node is never cordoned by Aftershock without saying so, and every patch carries the
 * resourceVersion it was computed from: a concurrent writer makes it fail (409) and it is computed
 * again from a fresh read, so two holders never overwrite each other.
 */
public final class Nodes {
    private static final JsonMapper JSON = JsonMapper.shared();
    private final ApiClient client;
    private final CoreV1Api core;
    private final Retrying retrying;

    public Nodes(ApiClient client, Retrying retrying) {
        this.client = client;
        this.core = new CoreV1Api(client);
        this.retrying = retrying;
    }

    public NodeMarks.Held hold(String node, NodeMarks.Holder holder) throws ApiException {
        return retrying.until(() -> {
            V1Node current = core.readNode(node).execute();
            NodeMarks.State state = stateOf(current);
            patch(node, NodeMarks.hold(state, holder), current.getMetadata().getResourceVersion());
            return new NodeMarks.Held(
                    node, state.wasUnschedulable(), !state.holders().isEmpty());
        });
    }

    /** Lets go for this holder; a node that is gone, or that this holder does not hold, is left alone. */
    public NodeMarks.Released release(String node, NodeMarks.Holder holder) throws ApiException {
        return retrying.until(() -> {
            V1Node current;
            try {
                current = core.readNode(node).execute();
            } catch (ApiException e) {
                if (e.getCode() == 404) {
                    return new NodeMarks.Released(node, false, false, List.of());
                }
                throw e;
            }
            NodeMarks.State state = stateOf(current);
            if (!state.holders().contains(holder)) {
                return new NodeMarks.Released(node, false, false, state.holders());
            }
            patch(node, NodeMarks.release(state, holder), current.getMetadata().getResourceVersion());
            List<NodeMarks.Holder> left =
                    state.holders().stream().filter(h -> !h.equals(holder)).toList();
            return new NodeMarks.Released(node, true, left.isEmpty(), left);
        });
    }

    /** Every node some run of Aftershock holds. */
    public List<NodeMarks.HeldNode> held() throws ApiException {
        return core.listNode().execute().getItems().stream()
                .filter(n -> NodeMarks.marked(n.getMetadata().getAnnotations()))
                .map(n -> new NodeMarks.HeldNode(n.getMetadata().getName(), stateOf(n)))
                .toList();
    }

    private static NodeMarks.State stateOf(V1Node node) {
        boolean unschedulable =
                node.getSpec() != null && Boolean.TRUE.equals(node.getSpec().getUnschedulable());
        return NodeMarks.read(node.getMetadata().getAnnotations(), unschedulable);
    }

    private void patch(String node, NodeMarks.Change change, String resourceVersion) throws ApiException {
        Map<String, Object> metadata = new LinkedHashMap<>();
        // The resourceVersion makes the patch fail if the node changed since it was read (409): no lost update.
        metadata.put("resourceVersion", resourceVersion);
        metadata.put("annotations", change.annotations());
        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("unschedulable", change.unschedulable());
        String body = JSON.writeValueAsString(Map.of("metadata", metadata, "spec", spec));
        PatchUtils.patch(
                V1Node.class,
                () -> core.patchNode(node, new V1Patch(body)).buildCall(null),
                V1Patch.PATCH_FORMAT_JSON_MERGE_PATCH,
                client);
    }
}
