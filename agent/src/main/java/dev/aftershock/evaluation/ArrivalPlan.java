package dev.aftershock.evaluation;

import dev.aftershock.model.Arrival;
import java.util.List;

/** What an open-model arrival plan promises: the rate at each moment and the requests in all. */
public final class ArrivalPlan {
    private final List<Arrival> arrivals;

    public ArrivalPlan(List<Arrival> arrivals) {
        this.arrivals = List.copyOf(arrivals);
    }

    public long lengthMs() {
        return arrivals.stream().mapToLong(a -> a.length().toMillis()).sum();
    }

    /** Requests the plan sends over its whole length. */
    public double expectedRequests() {
        return expectedUntil(lengthMs());
    }

    /** Requests the plan has sent by {@code ms} from its start. */
    public double expectedUntil(long ms) {
        double total = 0;
        long start = 0;
        for (Arrival a : arrivals) {
            long len = a.length().toMillis();
            long in = Math.max(0, Math.min(ms - start, len));
            total += switch (a) {
                case Arrival.Hold h -> h.rate() * in / 1000.0;
                case Arrival.Ramp r -> {
                    double rateAtIn = r.from() + (r.to() - r.from()) * (len == 0 ? 0 : (double) in / len);
                    yield (r.from() + rateAtIn) / 2 * in / 1000.0;
                }
                case Arrival.Steps s -> {
                    double sum = 0;
                    long each = s.each().toMillis();
                    for (int i = 0; i < s.rates().size(); i++) {
                        long stepIn = Math.max(0, Math.min(in - i * each, each));
                        sum += s.rates().get(i) * stepIn / 1000.0;
                    }
                    yield sum;
                }
            };
            start += len;
        }
        return total;
    }

    /**
     * When the plan's rate starts to rise, in ms from its start: its start (from nothing), a phase
     * that begins above where the one before ended, a ramp up, each step above the one before.
     * The load's changes an autoscaler answers.
     */
    public List<Long> risesMs() {
        List<Long> rises = new java.util.ArrayList<>();
        double before = 0;
        long start = 0;
        for (Arrival a : arrivals) {
            switch (a) {
                case Arrival.Hold h -> {
                    if (h.rate() > before) {
                        rises.add(start);
                    }
                    before = h.rate();
                }
                case Arrival.Ramp r -> {
                    if (r.from() > before || r.to() > r.from()) {
                        rises.add(start);
                    }
                    before = r.to();
                }
                case Arrival.Steps s -> {
                    for (int i = 0; i < s.rates().size(); i++) {
                        if (s.rates().get(i) > before) {
                            rises.add(start + i * s.each().toMillis());
                        }
                        before = s.rates().get(i);
                    }
                }
            }
            start += a.length().toMillis();
        }
        return rises;
    }

    /**
     * When the plan's first request is due, in ms from its start: the first moment it has sent one
     * (a plan that opens quietly, or ramps from nothing, sends its first late). The plan's length
     * when it sends none.
     */
    public long firstRequestMs() {
        long low = 0;
        long high = lengthMs();
        if (expectedUntil(high) < 1) {
            return high;
        }
        while (low < high) {
            long mid = (low + high) / 2;
            if (expectedUntil(mid) >= 1) {
                high = mid;
            } else {
                low = mid + 1;
            }
        }
        return low;
    }

    /** The rate the plan asks for at {@code ms} from its start (0 after its end). */
    public double rateAt(long ms) {
        long start = 0;
        for (Arrival a : arrivals) {
            long len = a.length().toMillis();
            if (ms >= start && ms < start + len) {
                long in = ms - start;
                return switch (a) {
                    case Arrival.Hold h -> h.rate();
                    case Arrival.Ramp r -> r.from() + (r.to() - r.from()) * (double) in / len;
                    case Arrival.Steps s ->
                        s.rates().get((int)
                                Math.min(s.rates().size() - 1, in / s.each().toMillis()));
                };
            }
            start += len;
        }
        return 0;
    }
}
