package dev.aftershock.evaluation;

import dev.aftershock.journal.Format;
import dev.aftershock.journal.HypothesisResult;
import dev.aftershock.journal.HypothesisResult.Verdict;
import dev.aftershock.journal.Measurement;
import dev.aftershock.model.Hypothesis;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Judges an {@code slo} hypothesis: latency percentiles and error rate over the whole run, or over
 * every window of the given length (the worst window decides, and is named in the evidence).
 */
public final class SloEvaluator {
    private SloEvaluator() {}

    public static HypothesisResult judge(Hypothesis.Slo slo, LoadRecorder load) {
        LoadRecorder.Window whole = load.whole();
        String expected = expected(slo);
        if (whole.requests() == 0) {
            return new HypothesisResult(
                    slo.name(), "slo", Verdict.NOT_EVALUATED, expected, "no request completed", List.of());
        }
        List<LoadRecorder.Window> windows = new ArrayList<>();
        if (slo.window().isPresent()) {
            long size = Math.max(1, slo.window().get().toSeconds());
            for (long from = 0; from <= load.lastSecond(); from += size) {
                LoadRecorder.Window w = load.window(from, from + size);
                if (w.requests() > 0) {
                    windows.add(w);
                }
            }
        } else {
            windows.add(whole);
        }
        List<String> breaches = new ArrayList<>();
        LoadRecorder.Window worst = windows.get(0);
        double worstExcess = Double.NEGATIVE_INFINITY;
        for (LoadRecorder.Window w : windows) {
            double excess = excess(slo, w);
            if (excess > worstExcess) {
                worstExcess = excess;
                worst = w;
            }
        }
        check(breaches, "p50", slo.p50(), worst.p50());
        check(breaches, "p95", slo.p95(), worst.p95());
        check(breaches, "p99", slo.p99(), worst.p99());
        if (slo.errorRate().isPresent()
                && worst.errorRatePercent() > slo.errorRate().get().value()) {
            breaches.add(String.format(
                    java.util.Locale.ROOT,
                    "error rate %.2f %% > %s",
                    worst.errorRatePercent(),
                    slo.errorRate().get()));
        }
        List<Measurement> evidence = new ArrayList<>(List.of(
                new Measurement("requests", worst.requests(), "count"),
                new Measurement("errors", worst.errors(), "count"),
                new Measurement("error rate", round(worst.errorRatePercent()), "%"),
                new Measurement("p50", worst.p50(), "ms"),
                new Measurement("p95", worst.p95(), "ms"),
                new Measurement("p99", worst.p99(), "ms")));
        String where = slo.window().isPresent()
                ? "worst " + dev.aftershock.model.Durations.format(slo.window().get()) + " window (from second "
                        + worst.from() + ")"
                : "whole run";
        if (slo.window().isPresent()) {
            evidence.add(new Measurement("windows", windows.size(), "count"));
        }
        String measured = where + ": " + Measurement.joined(evidence, ", ");
        return new HypothesisResult(
                slo.name(),
                "slo",
                breaches.isEmpty() ? Verdict.PASSED : Verdict.FAILED,
                expected,
                breaches.isEmpty() ? measured : String.join("; ", breaches) + " (" + measured + ")",
                evidence);
    }

    private static void check(List<String> breaches, String name, Optional<Duration> limit, double measuredMs) {
        if (limit.isPresent() && measuredMs > limit.get().toMillis()) {
            breaches.add(name + " " + Format.millis(measuredMs) + " > "
                    + dev.aftershock.model.Durations.format(limit.get()));
        }
    }

    /** How far a window is past its limits, relative to them: the largest ratio decides. */
    private static double excess(Hypothesis.Slo slo, LoadRecorder.Window w) {
        double worst = Double.NEGATIVE_INFINITY;
        worst = Math.max(worst, ratio(slo.p50(), w.p50()));
        worst = Math.max(worst, ratio(slo.p95(), w.p95()));
        worst = Math.max(worst, ratio(slo.p99(), w.p99()));
        if (slo.errorRate().isPresent()) {
            worst = Math.max(
                    worst,
                    w.errorRatePercent() / Math.max(1e-9, slo.errorRate().get().value()));
        }
        return worst;
    }

    private static double ratio(Optional<Duration> limit, double measuredMs) {
        return limit.isEmpty() || Double.isNaN(measuredMs)
                ? Double.NEGATIVE_INFINITY
                : measuredMs / Math.max(1, limit.get().toMillis());
    }

    static String expected(Hypothesis.Slo slo) {
        List<String> parts = new ArrayList<>();
        slo.p50().ifPresent(d -> parts.add("p50 <= " + dev.aftershock.model.Durations.format(d)));
        slo.p95().ifPresent(d -> parts.add("p95 <= " + dev.aftershock.model.Durations.format(d)));
        slo.p99().ifPresent(d -> parts.add("p99 <= " + dev.aftershock.model.Durations.format(d)));
        slo.errorRate().ifPresent(p -> parts.add("error rate <= " + p));
        String over = slo.window()
                .map(w -> " in every " + dev.aftershock.model.Durations.format(w) + " window")
                .orElse(" over the run");
        return String.join(", ", parts) + over;
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }
}
