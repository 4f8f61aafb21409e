package dev.aftershock.journal;

import java.util.List;

/**
 * A value observed over the run, point by point as it changed (replicas, ready pods, nodes...).
 * Names are dotted: {@code hpa.checkout.desired}, {@code pods.ready}, {@code nodes.schedulable};
 * memory series are {@link #MEMORY} paths.
 */
public record Series(String name, String unit, List<Point> points) {
    /**
     * A target container's memory working set in MiB: {@code memory/<pod>/<container>}, with its
     * request and limit as {@code memory/<pod>/<container>/request} and {@code .../limit} (a pod's
     * and a container's name hold no '/', so the name splits back).
     */
    public static final String MEMORY = "memory/";

    /** A target container's CPU use in millicores: {@code cpu/<pod>/<container>}. */
    public static final String CPU = "cpu/";

    /**
     * A VerticalPodAutoscaler's recommendation for a container: {@code vpa/<vpa>/<container>/<cpu or
     * memory>-<target, lower or upper>} (millicores, MiB).
     */
    public static final String VPA = "vpa/";

    /**
     * Each pod's and node's share of the requests the target told who served, in % over 5-second
     * windows: {@code traffic/pod/<pod>} and {@code traffic/node/<node>}.
     */
    public static final String TRAFFIC_POD = "traffic/pod/";

    public static final String TRAFFIC_NODE = "traffic/node/";

    public Series {
        points = List.copyOf(points);
    }

    public record Point(long t, double v) {}
}
