package dev.aftershock.kube;

import static dev.aftershock.kube.RawJson.object;
import static dev.aftershock.kube.RawJson.text;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.aftershock.evaluation.Observed;
import io.kubernetes.client.custom.Quantity;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;

/**
 * A VerticalPodAutoscaler as the dynamic client gives it ({@code autoscaling.k8s.io/v1}, a raw
 * JSON object: the VPA is an add-on with no model in client-java), read into an observation.
 */
final class VpaStatuses {
    private VpaStatuses() {}

    static Observed.VpaStatus of(long t, String name, JsonObject raw) {
        JsonObject ref = object(object(raw, "spec"), "targetRef");
        String target = text(ref, "kind").toLowerCase(java.util.Locale.ROOT) + "/" + text(ref, "name");
        List<Observed.VpaRecommendation> containers = new ArrayList<>();
        JsonObject recommendation = object(object(raw, "status"), "recommendation");
        JsonElement list = recommendation.get("containerRecommendations");
        if (list != null && list.isJsonArray()) {
            for (JsonElement e : list.getAsJsonArray()) {
                if (!e.isJsonObject()) {
                    continue;
                }
                JsonObject c = e.getAsJsonObject();
                containers.add(new Observed.VpaRecommendation(
                        text(c, "containerName"),
                        millicores(object(c, "target"), "cpu"),
                        bytes(object(c, "target"), "memory"),
                        millicores(object(c, "lowerBound"), "cpu"),
                        bytes(object(c, "lowerBound"), "memory"),
                        millicores(object(c, "upperBound"), "cpu"),
                        bytes(object(c, "upperBound"), "memory")));
            }
        }
        return new Observed.VpaStatus(t, name, target, containers);
    }

    private static long millicores(JsonObject resources, String key) {
        String q = text(resources, key);
        return q.isEmpty()
                ? -1
                : Quantity.fromString(q)
                        .getNumber()
                        .multiply(BigDecimal.valueOf(1000))
                        .longValue();
    }

    private static long bytes(JsonObject resources, String key) {
        String q = text(resources, key);
        return q.isEmpty() ? -1 : Quantity.fromString(q).getNumber().longValue();
    }
}
