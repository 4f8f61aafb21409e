package dev.aftershock.journal;

import java.util.List;

/**
 * A value observed over the run, point by point as it changed (replicas, ready pods, nodes...).
 * Names are dotted: {@code hpa.checkout.desired}, {@code pods.ready}, {@code nodes.schedulable}.
 */
public record Series(String name, String unit, List<Point> points) {
    public Series {
        points = List.copyOf(points);
    }

    public record Point(long t, double v) {}
}
