package dev.aftershock.evaluation;

import dev.aftershock.journal.Measurement;
import java.util.List;

/**
 * The traffic a killed pod's graceful shutdown overlapped: requests started from the second of the
 * kill through the second after the pod was gone. Its errors are what users saw of the shutdown (and
 * of whatever else happened in those seconds: the window is named, so a reader can tell).
 */
public final class ShutdownTraffic {
    /** The pod-kill measurement this one reads: from the kill until the pod was gone, in ms. */
    public static final String POD_GONE_AFTER = "pod gone after";

    /** A readiness probe-failure's: from the injection until the pod left its Services' rotation. */
    public static final String LEFT_ROTATION_AFTER = "left rotation after";

    /** A liveness probe-failure's: from the injection until the kubelet restarted the container. */
    public static final String RESTARTED_AFTER = "container restarted after";

    /** A container-signal's: from the signal until the container's main process exited (no window of its own). */
    public static final String PROCESS_EXITED_AFTER = "process exited after";

    /** A memory-oom's: from the injection until the kernel's OOM killer killed the container's process. */
    public static final String OOM_KILLED_AFTER = "oom-killed after";

    /** A rollout-restart's: from the restart until the rollout was done (its old pods' terminations belong to it). */
    public static final String ROLLOUT_TOOK = "rollout took";

    /** A container-signal's, at its injection: the signal's number (15 for SIGTERM). */
    public static final String SIGNAL = "signal";

    /** A node-drain's: how many pods it evicted (a node fault with it is one that terminates pods). */
    public static final String PODS_EVICTED = "pods evicted";

    /** Each window a fault's measurement ends, and how its traffic is named. */
    private static final List<List<String>> WINDOWS = List.of(
            List.of(POD_GONE_AFTER, "requests during its shutdown", "requests failed during its shutdown"),
            List.of(
                    LEFT_ROTATION_AFTER,
                    "requests while it was leaving rotation",
                    "requests failed while it was leaving rotation"),
            List.of(RESTARTED_AFTER, "requests until its restart", "requests failed until its restart"));

    private ShutdownTraffic() {}

    /**
     * Requests and failed requests from the second of an injection at {@code killedAtMs} on the run's
     * clock through the second after the window's end (the pod gone, out of rotation, restarted); none
     * when that did not happen before the run ended (no end to the window).
     */
    public static List<Measurement> during(long killedAtMs, List<Measurement> measured, LoadRecorder load) {
        List<Measurement> traffic = new java.util.ArrayList<>();
        for (List<String> window : WINDOWS) {
            double endsAfter = measured.stream()
                    .filter(m -> m.name().equals(window.get(0)))
                    .mapToDouble(Measurement::value)
                    .findFirst()
                    .orElse(Double.NaN);
            if (Double.isNaN(endsAfter)) {
                continue;
            }
            long from = killedAtMs / 1000;
            // Through the second after: a connection the dying process reset shows when its client notices.
            long to = (killedAtMs + (long) endsAfter) / 1000 + 2;
            LoadRecorder.Window w = load.window(from, to);
            traffic.add(new Measurement(window.get(1), w.requests(), "count"));
            traffic.add(new Measurement(window.get(2), w.errors(), "count"));
        }
        return traffic;
    }
}
