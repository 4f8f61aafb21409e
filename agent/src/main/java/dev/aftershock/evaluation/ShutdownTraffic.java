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

    private ShutdownTraffic() {}

    /**
     * Requests and failed requests during the shutdown of a pod killed at {@code killedAtMs} on the
     * run's clock; none when the pod was not gone before the run ended (no end to the window).
     */
    public static List<Measurement> during(long killedAtMs, List<Measurement> measured, LoadRecorder load) {
        double goneAfter = measured.stream()
                .filter(m -> m.name().equals(POD_GONE_AFTER))
                .mapToDouble(Measurement::value)
                .findFirst()
                .orElse(Double.NaN);
        if (Double.isNaN(goneAfter)) {
            return List.of();
        }
        long from = killedAtMs / 1000;
        // Through the second after: a connection the dying process reset shows when its client notices.
        long to = (killedAtMs + (long) goneAfter) / 1000 + 2;
        LoadRecorder.Window w = load.window(from, to);
        return List.of(
                new Measurement("requests during its shutdown", w.requests(), "count"),
                new Measurement("requests failed during its shutdown", w.errors(), "count"));
    }
}
