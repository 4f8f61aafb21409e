package dev.aftershock.fault;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;

/**
 * Which eviction may ask a PodDisruptionBudget again once it has said "not now". Without this every
 * blocked eviction retries on its own: a drain of 10 nodes of 100 pods sent the API server about
 * 10,000 refused evictions, where kubectl sent 2,500. Here one eviction at a time probes a blocked
 * budget, backing off between tries; the others wait their turn, in order, and the next one asks as
 * soon as the one before it got through (the budget may have room for more). So a blocked budget
 * costs about one request a backoff, however many pods wait on it, and no eviction waits longer than
 * it would have: the moment the budget frees up, the prober sees it.
 */
final class BudgetProbes {
    /** How often a waiting eviction looks up from its wait (the run may be stopping). */
    private static final Duration LOOK_UP = Duration.ofMillis(200);

    /**
     * A budget's turn: who holds it, and who waits, first come first served. A lock, not a monitor:
     * on JDK 21 a virtual thread waiting in a monitor holds its carrier thread, and a drain of many
     * nodes may have more evictions waiting than there are carriers.
     */
    static final class Line {
        final ReentrantLock lock = new ReentrantLock();
        final Condition changed = lock.newCondition();
        final ArrayDeque<Object> waiting = new ArrayDeque<>();
        boolean held;
    }

    private final Map<String, Line> lines = new ConcurrentHashMap<>();

    /**
     * A turn to probe a budget, released when the eviction is through, given up or out of time.
     * {@code waited}: another eviction held it first, and may just have got through.
     */
    record Turn(Line line, boolean waited) implements AutoCloseable {
        @Override
        public void close() {
            line.lock.lock();
            try {
                line.held = false;
                line.changed.signalAll();
            } finally {
                line.lock.unlock();
            }
        }
    }

    /** How many evictions wait for this budget's turn (for tests of the order). */
    int waiting(String budget) {
        Line line = lines.get(budget);
        if (line == null) {
            return 0;
        }
        line.lock.lock();
        try {
            return line.waiting.size();
        } finally {
            line.lock.unlock();
        }
    }

    /**
     * Waits for this budget's turn until the deadline, or until the run stops; empty if neither
     * came in time (the caller's deadline or stop handling then applies).
     */
    Optional<Turn> await(String budget, Instant deadline, BooleanSupplier stopping) throws InterruptedException {
        Line line = lines.computeIfAbsent(budget, b -> new Line());
        Object me = new Object();
        line.lock.lock();
        try {
            if (!line.held && line.waiting.isEmpty()) {
                line.held = true;
                return Optional.of(new Turn(line, false));
            }
            line.waiting.addLast(me);
            try {
                while (line.held || line.waiting.peekFirst() != me) {
                    // In nanoseconds, as the caller measures its deadline: a wait given up with time
                    // left by the caller's measure would have it ask and wait again, a spin.
                    long left = Duration.between(Instant.now(), deadline).toNanos();
                    if (left <= 0 || stopping.getAsBoolean()) {
                        return Optional.empty();
                    }
                    line.changed.await(Math.min(left, LOOK_UP.toNanos()), TimeUnit.NANOSECONDS);
                }
                line.held = true;
                return Optional.of(new Turn(line, true));
            } finally {
                line.waiting.remove(me);
                // The next in line may now be first.
                line.changed.signalAll();
            }
        } finally {
            line.lock.unlock();
        }
    }
}
