package dev.aftershock.kube;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonParser;
import dev.aftershock.evaluation.Observed;
import org.junit.jupiter.api.Test;

/** A VPA object as the dynamic client gives it, read into an observation. */
class VpaStatusesTest {
    @Test
    void targetsAndBoundsPerContainerInMillicoresAndBytes() {
        var raw = JsonParser.parseString("""
                        {"apiVersion": "autoscaling.k8s.io/v1", "kind": "VerticalPodAutoscaler",
                         "metadata": {"name": "checkout"},
                         "spec": {"targetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "checkout"}},
                         "status": {"recommendation": {"containerRecommendations": [
                           {"containerName": "app", "target": {"cpu": "25m", "memory": "262144k"},
                            "lowerBound": {"cpu": "10m", "memory": "250Mi"},
                            "upperBound": {"cpu": "1", "memory": "1Gi"}},
                           {"containerName": "sidecar", "target": {"memory": "64Mi"}}]}}}""").getAsJsonObject();

        Observed.VpaStatus s = VpaStatuses.of(1_500, "checkout", raw);

        assertThat(s.t()).isEqualTo(1_500);
        assertThat(s.target()).isEqualTo("deployment/checkout");
        assertThat(s.containers())
                .containsExactly(
                        new Observed.VpaRecommendation("app", 25, 262_144_000L, 10, 250L << 20, 1_000, 1L << 30),
                        new Observed.VpaRecommendation("sidecar", -1, 64L << 20, -1, -1, -1, -1));
    }

    @Test
    void aVpaWithoutStatusHasNoRecommendation() {
        var raw = JsonParser.parseString("{\"spec\": {\"targetRef\": {\"kind\": \"StatefulSet\", \"name\": \"db\"}}}")
                .getAsJsonObject();
        Observed.VpaStatus s = VpaStatuses.of(0, "db", raw);
        assertThat(s.target()).isEqualTo("statefulset/db");
        assertThat(s.containers()).isEmpty();
    }
}
