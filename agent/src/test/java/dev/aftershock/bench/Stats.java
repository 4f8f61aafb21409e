package dev.aftershock.bench;

import java.util.Arrays;
import java.util.List;

/** The summaries the benchmarks print. */
final class Stats {
    private Stats() {}

    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    /** Nearest rank over values sorted ascending; NaN when there are none. */
    static double percentile(List<Double> sorted, double p) {
        if (sorted.isEmpty()) {
            return Double.NaN;
        }
        int rank = (int) Math.ceil(p / 100.0 * sorted.size());
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1)));
    }

    /**
     * A size from a process's /proc status ("VmRSS", "VmHWM"), in bytes; 0 once the process is gone.
     */
    static long procStatusBytes(long pid, String field) {
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith(field + ":")) {
                    return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
                }
            }
        } catch (java.io.IOException gone) {
            // The process ended between the caller's check and the read.
        }
        return 0;
    }
}
