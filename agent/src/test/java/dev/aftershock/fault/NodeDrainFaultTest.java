package dev.aftershock.fault;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aftershock.model.FaultSpec;
import dev.aftershock.model.NodeSelection;
import dev.aftershock.selection.Plan;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * How a drain asks a PodDisruptionBudget that says "not now": against a small fake of our own
 * cluster facade whose budget never allows an eviction.
 */
class NodeDrainFaultTest {
    @Test
    void onceABudgetHasRefusedOnlyOneEvictionAtATimeAsksItAgain() throws Exception {
        List<Long> refusedAtMs = new CopyOnWriteArrayList<>();
        long started = System.nanoTime();
        ClusterOps cluster = (ClusterOps) Proxy.newProxyInstance(
                ClusterOps.class.getClassLoader(),
                new Class<?>[] {ClusterOps.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "hold" -> new NodeMarks.Held((String) args[0], false, false);
                    case "evict" -> {
                        refusedAtMs.add((System.nanoTime() - started) / 1_000_000);
                        yield new ClusterOps.BlockedByBudget(
                                "Cannot evict pod as it would violate the pod's disruption budget web.");
                    }
                    default -> throw new UnsupportedOperationException(method.getName());
                });
        List<Plan.PodRef> pods = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            pods.add(new Plan.PodRef("shop", "web-" + i, "uid-" + i));
        }
        FaultSpec.NodeDrain spec = new FaultSpec.NodeDrain(
                "drain",
                Duration.ZERO,
                Optional.empty(),
                new NodeSelection.ByNames(List.of("node-1")),
                Duration.ofSeconds(4),
                Optional.empty(),
                true,
                false,
                10);
        FaultContext context =
                new FaultContext("run-1", cluster, () -> Instant.now().plusSeconds(60), note -> {}, () -> false);

        Fault.Injection injection = new NodeDrainFault(spec).inject(new Plan.NodeTarget("node-1", pods), context);

        assertThat(injection.message()).contains("still blocked by PodDisruptionBudget shop/web");
        // The ten evictions' first asks come together; after them, and before each asks a last time at
        // the deadline, one prober backs off (250 ms, then 500 ms) while the others wait their turn.
        List<Long> between = refusedAtMs.stream()
                .filter(t -> t > refusedAtMs.get(9) + 100 && t < 3_800)
                .toList();
        assertThat(between).isNotEmpty();
        for (int i = 1; i < between.size(); i++) {
            assertThat(between.get(i) - between.get(i - 1))
                    .as("refusals at %s ms", between)
                    .isGreaterThanOrEqualTo(200);
        }
        // Every eviction: its first ask, the prober's, and one last ask each at the deadline.
        assertThat(refusedAtMs.size()).isLessThan(10 + 4_000 / 250 + 10);
    }
}
