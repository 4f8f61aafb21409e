package dev.aftershock.kube;

import static dev.aftershock.kube.RawJson.object;
import static dev.aftershock.kube.RawJson.text;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.aftershock.evaluation.Observed.NodeAutoscaling.Step;
import io.kubernetes.client.openapi.models.CoreV1Event;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * What a node autoscaler says, in the formats it documents, read into steps of one timeline:
 * Karpenter's NodeClaims (conditions {@code Launched}, {@code Registered}, {@code Initialized})
 * and its {@code Nominated} pod Events ("Pod should schedule on: nodeclaim/x, node/y"); the
 * cluster-autoscaler's pod Events {@code TriggeredScaleUp} ("pod triggered scale-up:
 * [{group 1->2 (max: 10)}]") and {@code NotTriggerScaleUp}, its node Event {@code ScaleDown}
 * ("marked the node as toBeDeleted/unschedulable"), and its status ConfigMap
 * {@code kube-system/cluster-autoscaler-status}, whose {@code status} key is YAML since 1.30.
 */
final class NodeAutoscalerSignals {
    static final String KARPENTER = "karpenter";
    static final String CLUSTER_AUTOSCALER = "cluster-autoscaler";
    static final List<String> POD_EVENT_REASONS = List.of("TriggeredScaleUp", "NotTriggerScaleUp", "Nominated");
    static final String NODE_EVENT_REASON = "ScaleDown";
    static final String STATUS_NAMESPACE = "kube-system";
    static final String STATUS_CONFIGMAP = "cluster-autoscaler-status";

    private static final Pattern SCALE_UP_GROUP = Pattern.compile("\\{(\\S+) (\\d+)->(\\d+) \\(max: (\\d+)\\)}");
    private static final Pattern NOMINATED_NODE = Pattern.compile("\\bnode/(\\S+?)(?:,|$)");
    private static final Pattern NOMINATED_CLAIM = Pattern.compile("\\bnodeclaim/(\\S+?)(?:,|$)");

    private NodeAutoscalerSignals() {}

    /** One step told by an Event or an object: who said it, what, about what, naming which node. */
    record Signal(String autoscaler, Step step, String subject, String node, String message) {}

    /** A node group the cluster-autoscaler grows: from its size to the new one, under its maximum. */
    record ScaleUpGroup(String group, int from, int to, int max) {}

    /** The groups a {@code TriggeredScaleUp} message names, in its order. */
    static List<ScaleUpGroup> scaleUpGroups(String message) {
        List<ScaleUpGroup> groups = new ArrayList<>();
        Matcher m = SCALE_UP_GROUP.matcher(Objects.requireNonNullElse(message, ""));
        while (m.find()) {
            groups.add(new ScaleUpGroup(
                    m.group(1),
                    Integer.parseInt(m.group(2)),
                    Integer.parseInt(m.group(3)),
                    Integer.parseInt(m.group(4))));
        }
        return groups;
    }

    /** The step an Event tells, when it is one of the node autoscalers'. */
    static Optional<Signal> ofEvent(CoreV1Event e) {
        if (e.getInvolvedObject() == null || e.getReason() == null) {
            return Optional.empty();
        }
        String kind = Objects.requireNonNullElse(e.getInvolvedObject().getKind(), "");
        String name = Objects.requireNonNullElse(e.getInvolvedObject().getName(), "");
        String message = Objects.requireNonNullElse(e.getMessage(), "");
        return Optional.ofNullable(
                switch (kind + "/" + e.getReason()) {
                    case "Pod/TriggeredScaleUp" ->
                        new Signal(CLUSTER_AUTOSCALER, Step.SCALE_UP_DECIDED, "pod/" + name, "", message);
                    case "Pod/NotTriggerScaleUp" ->
                        new Signal(CLUSTER_AUTOSCALER, Step.NO_SCALE_UP, "pod/" + name, "", message);
                    case "Pod/Nominated" -> nominated(name, message);
                    case "Node/ScaleDown" ->
                        message.startsWith("marked the node as toBeDeleted")
                                ? new Signal(CLUSTER_AUTOSCALER, Step.SCALE_DOWN_DECIDED, "node/" + name, name, message)
                                : null;
                    default -> null;
                });
    }

    /** Karpenter's nomination: a pod goes to a NodeClaim it launches, or to a node it has. */
    private static Signal nominated(String pod, String message) {
        Matcher node = NOMINATED_NODE.matcher(message);
        Matcher claim = NOMINATED_CLAIM.matcher(message);
        String where = claim.find() ? "nodeclaim/" + claim.group(1) : "";
        return new Signal(
                KARPENTER,
                Step.NOMINATED,
                "pod/" + pod,
                node.find() ? node.group(1) : "",
                where.isEmpty() ? message : message + " (" + where + ")");
    }

    /**
     * A Karpenter NodeClaim ({@code karpenter.sh/v1}, a raw object from the dynamic client): its
     * name, when it was made, whether it is being deleted, its Node's name once registered, and
     * the conditions that are True.
     */
    record NodeClaim(String name, Instant created, boolean deleting, String nodeName, List<String> trueConditions) {
        /** The lifecycle steps its conditions tell, in order. */
        List<Step> steps() {
            List<Step> steps = new ArrayList<>();
            for (var c : List.of(
                    Map.entry("Launched", Step.LAUNCHED),
                    Map.entry("Registered", Step.REGISTERED),
                    Map.entry("Initialized", Step.INITIALIZED))) {
                if (trueConditions.contains(c.getKey())) {
                    steps.add(c.getValue());
                }
            }
            return steps;
        }
    }

    static NodeClaim nodeClaim(JsonObject raw) {
        JsonObject meta = object(raw, "metadata");
        JsonObject status = object(raw, "status");
        List<String> conditions = new ArrayList<>();
        JsonElement list = status.get("conditions");
        if (list != null && list.isJsonArray()) {
            for (JsonElement c : list.getAsJsonArray()) {
                if (c.isJsonObject() && "True".equals(text(c.getAsJsonObject(), "status"))) {
                    conditions.add(text(c.getAsJsonObject(), "type"));
                }
            }
        }
        String created = text(meta, "creationTimestamp");
        return new NodeClaim(
                text(meta, "name"),
                created.isEmpty() ? Instant.EPOCH : Instant.parse(created),
                !text(meta, "deletionTimestamp").isEmpty(),
                text(status, "nodeName"),
                conditions);
    }

    /**
     * The cluster-autoscaler's status ConfigMap, its {@code status} key: the cluster-wide
     * scale-up status ({@code InProgress}, {@code NoActivity}, {@code Backoff}, ...), the
     * scale-down status and candidates, the health, and each node group's scale-up status and
     * target size. Empty when the text is not the YAML format (before 1.30 it was free text).
     */
    record ClusterAutoscalerStatus(
            String health, String scaleUp, String scaleDown, int scaleDownCandidates, List<NodeGroup> nodeGroups) {
        record NodeGroup(String name, String scaleUp, int target, int min, int max) {}

        /** Its own words, short: "scale-up InProgress, scale-down CandidatesPresent (1), health Healthy". */
        String summary() {
            return "scale-up %s, scale-down %s%s, health %s"
                    .formatted(
                            scaleUp,
                            scaleDown,
                            scaleDownCandidates > 0 ? " (" + scaleDownCandidates + ")" : "",
                            health);
        }

        boolean scalingUp() {
            return "InProgress".equals(scaleUp);
        }
    }

    static Optional<ClusterAutoscalerStatus> clusterAutoscalerStatus(String yaml) {
        Object parsed;
        try {
            parsed = new Yaml(new SafeConstructor(new LoaderOptions())).load(Objects.requireNonNullElse(yaml, ""));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
        if (!(parsed instanceof Map<?, ?> root) || !(root.get("clusterWide") instanceof Map<?, ?> wide)) {
            return Optional.empty();
        }
        List<ClusterAutoscalerStatus.NodeGroup> groups = new ArrayList<>();
        if (root.get("nodeGroups") instanceof List<?> list) {
            for (Object g : list) {
                if (g instanceof Map<?, ?> group) {
                    Map<?, ?> health = map(group.get("health"));
                    groups.add(new ClusterAutoscalerStatus.NodeGroup(
                            string(group.get("name")),
                            string(map(group.get("scaleUp")).get("status")),
                            integer(health.get("cloudProviderTarget")),
                            integer(health.get("minSize")),
                            integer(health.get("maxSize"))));
                }
            }
        }
        Map<?, ?> scaleDown = map(wide.get("scaleDown"));
        return Optional.of(new ClusterAutoscalerStatus(
                string(map(wide.get("health")).get("status")),
                string(map(wide.get("scaleUp")).get("status")),
                string(scaleDown.get("status")),
                integer(scaleDown.get("candidates")),
                groups));
    }

    private static Map<?, ?> map(Object o) {
        return o instanceof Map<?, ?> m ? m : Map.of();
    }

    private static String string(Object o) {
        return o == null ? "" : o.toString();
    }

    private static int integer(Object o) {
        return o instanceof Number n ? n.intValue() : 0;
    }
}
