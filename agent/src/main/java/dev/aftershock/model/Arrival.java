package dev.aftershock.model;

import java.time.Duration;
import java.util.List;

/** One phase of an open-model load profile; rates are requests per second. */
public sealed interface Arrival {
    Duration length();

    record Ramp(double from, double to, Duration over) implements Arrival {
        @Override
        public Duration length() {
            return over;
        }
    }

    record Hold(double rate, Duration holdFor) implements Arrival {
        @Override
        public Duration length() {
            return holdFor;
        }
    }

    /** Each rate held for {@code each}, one after the other. */
    record Steps(List<Double> rates, Duration each) implements Arrival {
        public Steps {
            rates = List.copyOf(rates);
        }

        @Override
        public Duration length() {
            return each.multipliedBy(rates.size());
        }
    }
}
