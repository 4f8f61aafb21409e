package dev.aftershock.selection;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Workload ownership honours the whole selector (Engine II, behaviour 5). */
class LabelSelectorTest {
    private static final LabelSelector CANARY_ONLY = new LabelSelector(
            Map.of("app", "checkout"),
            List.of(
                    new LabelSelector.Requirement("track", "In", List.of("canary")),
                    new LabelSelector.Requirement("legacy", "DoesNotExist", List.of())));

    private static ClusterSnapshot.PodView pod(Map<String, String> labels) {
        return new ClusterSnapshot.PodView(
                "shop", "p", "uid", labels, "n", Optional.of("ReplicaSet"), false, false, true, false, "1");
    }

    @Test
    void matchExpressionsNarrowWhatMatchLabelsSelect() {
        var workload = new ClusterSnapshot.WorkloadView("shop", "Deployment", "canary", CANARY_ONLY, 1);
        assertThat(workload.owns(pod(Map.of("app", "checkout", "track", "canary"))))
                .isTrue();
        assertThat(workload.owns(pod(Map.of("app", "checkout", "track", "stable"))))
                .as("matchLabels alone would have owned the stable pods too")
                .isFalse();
        assertThat(workload.owns(pod(Map.of("app", "checkout", "track", "canary", "legacy", "y"))))
                .isFalse();
    }

    @Test
    void theApiQueryCarriesEveryRequirement() {
        assertThat(CANARY_ONLY.query()).isEqualTo("app=checkout,track in (canary),!legacy");
        var notIn =
                new LabelSelector(Map.of(), List.of(new LabelSelector.Requirement("zone", "NotIn", List.of("a", "b"))));
        assertThat(notIn.matches(Map.of("zone", "c"))).isTrue();
        assertThat(notIn.matches(Map.of())).isTrue();
        assertThat(notIn.matches(Map.of("zone", "a"))).isFalse();
        assertThat(notIn.query()).isEqualTo("zone notin (a,b)");
    }
}
