package dev.aftershock.fault;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** One eviction at a time probes a blocked budget; the others wait their turn, in order. */
class BudgetProbesTest {
    private static Instant inSeconds(long s) {
        return Instant.now().plusSeconds(s);
    }

    @Test
    void theFirstProbesAtOnceAndTheOthersGetTheirTurnInOrderAsEachGoesThrough() throws Exception {
        BudgetProbes probes = new BudgetProbes();
        BudgetProbes.Turn first =
                probes.await("shop/web", inSeconds(10), () -> false).orElseThrow();
        assertThat(first.waited()).isFalse();
        List<String> order = new CopyOnWriteArrayList<>();
        try (ExecutorService waiting = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> all = new java.util.ArrayList<>();
            for (String pod : List.of("web-2", "web-3", "web-4")) {
                all.add(waiting.submit(() -> {
                    try (BudgetProbes.Turn turn =
                            probes.await("shop/web", inSeconds(10), () -> false).orElseThrow()) {
                        assertThat(turn.waited()).isTrue();
                        order.add(pod);
                    }
                    return null;
                }));
                // Queued in this order before the next one asks.
                int queued = all.size();
                while (probes.waiting("shop/web") < queued) {
                    Thread.sleep(5);
                }
            }
            // Another budget is not held up by this one.
            try (BudgetProbes.Turn other =
                    probes.await("shop/api", inSeconds(1), () -> false).orElseThrow()) {
                assertThat(other.waited()).isFalse();
            }
            assertThat(order).isEmpty();
            first.close();
            for (Future<?> f : all) {
                f.get();
            }
        }
        assertThat(order).containsExactly("web-2", "web-3", "web-4");
    }

    @Test
    void aWaitEndsEmptyAtTheDeadlineOrWhenTheRunStops() throws Exception {
        BudgetProbes probes = new BudgetProbes();
        BudgetProbes.Turn held =
                probes.await("shop/web", inSeconds(10), () -> false).orElseThrow();
        long started = System.nanoTime();
        Optional<BudgetProbes.Turn> late =
                probes.await("shop/web", Instant.now().plusMillis(300), () -> false);
        assertThat(late).isEmpty();
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));

        assertThat(probes.await("shop/web", inSeconds(10), () -> true)).isEmpty();
        held.close();
        assertThat(probes.await("shop/web", inSeconds(10), () -> false)).isPresent();
    }
}
