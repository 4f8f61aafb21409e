package dev.aftershock.model;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations as experiments write them: one or more number+unit parts, units ms, s, m, h. */
public final class Durations {
    private static final Pattern WHOLE = Pattern.compile("([0-9]+(ms|s|m|h))+");
    private static final Pattern PART = Pattern.compile("([0-9]+)(ms|s|m|h)");

    private Durations() {}

    /**
     * @throws IllegalArgumentException when the text is not a duration or does not fit in a Duration
     */
    public static Duration parse(String text) {
        if (!WHOLE.matcher(text).matches()) {
            throw new IllegalArgumentException("not a duration: " + text);
        }
        Duration total = Duration.ZERO;
        Matcher m = PART.matcher(text);
        try {
            while (m.find()) {
                long n = Long.parseLong(m.group(1));
                total = total.plus(
                        switch (m.group(2)) {
                            case "ms" -> Duration.ofMillis(n);
                            case "s" -> Duration.ofSeconds(n);
                            case "m" -> Duration.ofMinutes(n);
                            default -> Duration.ofHours(n);
                        });
            }
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException("duration too large: " + text, e);
        }
        return total;
    }

    /** The shortest exact form: 90s -> "1m30s", 1500ms -> "1.5s", 0 -> "0s". */
    public static String format(Duration d) {
        if (d.isZero()) {
            return "0s";
        }
        StringBuilder out = new StringBuilder();
        if (d.isNegative()) {
            out.append('-');
            d = d.negated();
        }
        long hours = d.toHours();
        int minutes = d.toMinutesPart();
        int seconds = d.toSecondsPart();
        int millis = d.toMillisPart();
        if (hours > 0) {
            out.append(hours).append('h');
        }
        if (minutes > 0) {
            out.append(minutes).append('m');
        }
        if (seconds > 0 || millis > 0) {
            if (millis == 0) {
                out.append(seconds).append('s');
            } else if (seconds == 0 && hours == 0 && minutes == 0) {
                out.append(millis).append("ms");
            } else {
                out.append(String.format(java.util.Locale.ROOT, "%d.%03d", seconds, millis)
                                .replaceAll("0+$", ""))
                        .append('s');
            }
        }
        return out.toString();
    }
}
