package dev.aftershock.load;

import dev.aftershock.model.Arrival;
import java.util.ArrayList;
import java.util.List;

/**
 * The arrival plan split over N injectors: every rate of every phase divided in thousandths of a
 * request per second, the remainder spread one thousandth each over the first injectors, so the
 * shares add up to the plan exactly (a ramp's ends alike: ramps of the same length add up to the
 * ramp of the sums).
 */
public final class InjectorShares {
    private static final double UNITS = 1000;

    private InjectorShares() {}

    /** Injector {@code index}'s plan (of {@code injectors}). */
    public static List<Arrival> share(List<Arrival> plan, int injectors, int index) {
        if (injectors < 1 || index < 0 || index >= injectors) {
            throw new IllegalArgumentException("injector " + index + " of " + injectors);
        }
        List<Arrival> share = new ArrayList<>();
        for (Arrival a : plan) {
            share.add(
                    switch (a) {
                        case Arrival.Hold h -> new Arrival.Hold(rate(h.rate(), injectors, index), h.holdFor());
                        case Arrival.Ramp r ->
                            new Arrival.Ramp(
                                    rate(r.from(), injectors, index), rate(r.to(), injectors, index), r.over());
                        case Arrival.Steps s ->
                            new Arrival.Steps(
                                    s.rates().stream()
                                            .map(rate -> rate(rate, injectors, index))
                                            .toList(),
                                    s.each());
                    });
        }
        return share;
    }

    static double rate(double rate, int injectors, int index) {
        long units = Math.round(rate * UNITS);
        long each = units / injectors;
        long remainder = units % injectors;
        return (each + (index < remainder ? 1 : 0)) / UNITS;
    }
}
