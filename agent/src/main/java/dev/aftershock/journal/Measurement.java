package dev.aftershock.journal;

/** A named number with its unit ("ms", "%", "count", "rps", "t" for an instant on the run clock), as evidence or detail. */
public record Measurement(String name, double value, String unit) {
    /** "name value" for each measurement, joined: how evidence reads in reports and on the terminal. */
    public static String joined(java.util.List<Measurement> measurements, String separator) {
        return String.join(
                separator,
                measurements.stream().map(m -> m.name() + " " + m.shown()).toList());
    }

    public String shown() {
        String number = Format.number(value);
        return switch (unit) {
            case "ms" -> Format.millis(value);
            case "t" -> Format.offset((long) value);
            case "%" -> number + " %";
            case "count", "" -> number;
            default -> number + " " + unit;
        };
    }
}
