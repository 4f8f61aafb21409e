package dev.aftershock.targetservice;

import io.vertx.core.Vertx;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Holds memory outside the Java heap and touches every page, so the container's resident memory
 * really grows: past a memory limit the kernel OOM-kills the container (a heap would only throw).
 */
final class MemoryHolder {
    private static final int MIB = 1024 * 1024;
    private static final int PAGE = 4096;
    private final List<ByteBuffer> held = new ArrayList<>();

    synchronized int hold(int mib) {
        for (int i = 0; i < mib; i++) {
            var block = ByteBuffer.allocateDirect(MIB);
            for (int offset = 0; offset < MIB; offset += PAGE) {
                block.put(offset, (byte) 1);
            }
            held.add(block);
        }
        return held.size();
    }

    synchronized int heldMib() {
        return held.size();
    }

    synchronized void release() {
        held.clear();
        System.gc();
    }

    /** Grows to totalMib at ratePerSecond MiB a second (at once when the rate is 0). */
    void startHolding(Vertx vertx, int totalMib, int ratePerSecond) {
        if (totalMib <= 0) {
            return;
        }
        if (ratePerSecond <= 0) {
            hold(totalMib);
            return;
        }
        int step = Math.max(1, ratePerSecond / 10);
        vertx.setPeriodic(100, id -> {
            int missing = totalMib - heldMib();
            if (missing <= 0) {
                vertx.cancelTimer(id);
                return;
            }
            vertx.executeBlocking(() -> hold(Math.min(step, missing)), false);
        });
    }
}
