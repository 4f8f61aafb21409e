package dev.aftershock.journal;

import java.util.Locale;

/** How numbers are shown to people, in reports and messages alike. */
public final class Format {
    private Format() {}

    /** 850 -> "850 ms", 1500 -> "1.50 s", 95000 -> "1 min 35 s". */
    public static String millis(double ms) {
        if (Double.isNaN(ms)) {
            return "n/a";
        }
        if (Math.abs(ms) < 1000) {
            return (ms == Math.rint(ms) ? Long.toString((long) ms) : String.format(Locale.ROOT, "%.1f", ms)) + " ms";
        }
        if (Math.abs(ms) < 60_000) {
            return String.format(Locale.ROOT, "%.2f s", ms / 1000.0);
        }
        long totalSeconds = Math.round(ms / 1000.0);
        return String.format(Locale.ROOT, "%d min %02d s", totalSeconds / 60, totalSeconds % 60);
    }

    /** An offset on the run's clock: 95000 -> "T+1:35". */
    public static String offset(long ms) {
        long s = Math.max(0, ms) / 1000;
        return s >= 3600
                ? String.format(Locale.ROOT, "T+%d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60)
                : String.format(Locale.ROOT, "T+%d:%02d", s / 60, s % 60);
    }

    /** A plain number: 4 -> "4", 0.755 -> "0.76". */
    public static String number(double value) {
        return value == Math.rint(value) && Math.abs(value) < 1e15
                ? Long.toString((long) value)
                : String.format(Locale.ROOT, "%.2f", value);
    }

    public static String percent(double value) {
        return String.format(Locale.ROOT, "%.2f %%", value);
    }
}
