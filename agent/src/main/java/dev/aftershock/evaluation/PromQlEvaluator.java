package dev.aftershock.evaluation;

import dev.aftershock.journal.HypothesisResult;
import dev.aftershock.journal.HypothesisResult.Verdict;
import dev.aftershock.journal.Measurement;
import dev.aftershock.model.Hypothesis;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Judges a {@code prometheus} hypothesis over the samples its query returned: every sample must be on
 * the right side of the threshold; no sample at all cannot be judged.
 */
public final class PromQlEvaluator {
    private PromQlEvaluator() {}

    /** One sample of an instant vector (or the single value of a scalar): its labels, shown, and value. */
    public record Sample(String labels, double value) {}

    /** Runs the query; the only part that talks to Prometheus. */
    public interface Query {
        List<Sample> instant(String promQl) throws Exception;

        /** Where the query goes, for messages. */
        default String location() {
            return "Prometheus";
        }
    }

    /** {@code $RUN_DURATION} in a query becomes the run's length in whole seconds, as "245s". */
    public static String expand(String query, long runMs) {
        return query.replace("$RUN_DURATION", Math.max(1, (runMs + 999) / 1000) + "s");
    }

    /** {@code query} is null when no Prometheus is configured. */
    public static HypothesisResult judge(Hypothesis.Prometheus h, Query query, long runMs) {
        String expected = expected(h);
        if (query == null) {
            return new HypothesisResult(
                    h.name(),
                    "prometheus",
                    Verdict.NOT_EVALUATED,
                    expected,
                    "no Prometheus configured (--prometheus-url)",
                    List.of());
        }
        String promQl = expand(h.query(), runMs);
        List<Sample> samples;
        try {
            samples = query.instant(promQl);
        } catch (Exception e) {
            return new HypothesisResult(
                    h.name(),
                    "prometheus",
                    Verdict.NOT_EVALUATED,
                    expected,
                    "the query failed at " + query.location() + ": " + e.getMessage(),
                    List.of());
        }
        return judge(h, samples);
    }

    static HypothesisResult judge(Hypothesis.Prometheus h, List<Sample> samples) {
        String expected = expected(h);
        if (samples.isEmpty()) {
            return new HypothesisResult(
                    h.name(), "prometheus", Verdict.NOT_EVALUATED, expected, "the query returned no sample", List.of());
        }
        List<Measurement> evidence = new ArrayList<>();
        List<String> breaches = new ArrayList<>();
        for (Sample s : samples) {
            evidence.add(new Measurement(s.labels().isEmpty() ? "value" : s.labels(), s.value(), ""));
            boolean ok = h.bound() == Hypothesis.Prometheus.Bound.BELOW
                    ? s.value() < h.threshold()
                    : s.value() > h.threshold();
            if (!ok) {
                breaches.add("%s%s is not %s %s"
                        .formatted(
                                s.labels(),
                                s.labels().isEmpty() ? number(s.value()) : " " + number(s.value()),
                                h.bound().word(),
                                number(h.threshold())));
            }
        }
        String measured = Measurement.joined(evidence, ", ");
        return new HypothesisResult(
                h.name(),
                "prometheus",
                breaches.isEmpty() ? Verdict.PASSED : Verdict.FAILED,
                expected,
                breaches.isEmpty() ? measured : String.join("; ", breaches),
                evidence);
    }

    static String expected(Hypothesis.Prometheus h) {
        return "every sample of `%s` %s %s".formatted(h.query(), h.bound().word(), number(h.threshold()));
    }

    private static String number(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15
                ? Long.toString((long) v)
                : String.format(Locale.ROOT, "%.4g", v);
    }
}
