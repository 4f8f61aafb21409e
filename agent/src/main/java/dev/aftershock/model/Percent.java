package dev.aftershock.model;

import java.math.BigDecimal;

/** A percentage as written ("30%"), kept as a number from 0 to 100. */
public record Percent(double value) {
    public static Percent parse(String text) {
        return new Percent(Double.parseDouble(text.substring(0, text.length() - 1)));
    }

    public double fraction() {
        return value / 100.0;
    }

    @Override
    public String toString() {
        return new BigDecimal(Double.toString(value)).stripTrailingZeros().toPlainString() + "%";
    }
}
