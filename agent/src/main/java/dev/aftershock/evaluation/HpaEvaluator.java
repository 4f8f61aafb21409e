package dev.aftershock.evaluation;

import dev.aftershock.journal.Format;
import dev.aftershock.journal.HypothesisResult;
import dev.aftershock.journal.HypothesisResult.Verdict;
import dev.aftershock.journal.Measurement;
import dev.aftershock.model.Durations;
import dev.aftershock.model.Hypothesis;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Judges an {@code hpa} hypothesis from the HPA statuses and target pods the watches recorded. The
 * clock starts when the HPA's status first shows its metric above target (the moment the controller
 * knew it should act); scale-out is desiredReplicas rising above what it was just before, and ready
 * is that many target pods serving.
 */
public final class HpaEvaluator {
    private HpaEvaluator() {}

    /** What the timeline says about one scale-out and the scale-in after it. */
    record Story(
            Long metricAbove,
            Long scaledOut,
            int desiredAfter,
            Long ready,
            Long metricBelow,
            Long scaledIn,
            int flaps,
            int peakDesired,
            int max) {}

    public static HypothesisResult judge(Hypothesis.Hpa h, ClusterTimeline timeline) {
        return judge(h, timeline, List.of());
    }

    /** With {@code loadRisesMs}: when the load's rises began, in ms of the run (none without load). */
    public static HypothesisResult judge(Hypothesis.Hpa h, ClusterTimeline timeline, List<Long> loadRisesMs) {
        List<Observed.HpaStatus> statuses = timeline.observed(Observed.HpaStatus.class).stream()
                .filter(s -> s.hpa().equals(h.hpaName()))
                .toList();
        return judge(h, statuses, timeline.observed(Observed.PodStatus.class), loadRisesMs);
    }

    static HypothesisResult judge(Hypothesis.Hpa h, List<Observed.HpaStatus> statuses, List<Observed.PodStatus> pods) {
        return judge(h, statuses, pods, List.of());
    }

    static HypothesisResult judge(
            Hypothesis.Hpa h,
            List<Observed.HpaStatus> statuses,
            List<Observed.PodStatus> pods,
            List<Long> loadRisesMs) {
        String expected = expected(h);
        if (statuses.isEmpty()) {
            return new HypothesisResult(
                    h.name(),
                    "hpa",
                    Verdict.NOT_EVALUATED,
                    expected,
                    "the HPA " + h.hpaName() + " was never seen in the target's namespace",
                    List.of());
        }
        Story s = story(statuses, pods);
        List<String> failed = new ArrayList<>();
        List<String> unknown = new ArrayList<>();
        List<String> measured = new ArrayList<>();
        List<Measurement> evidence = new ArrayList<>();
        if (s.metricAbove() != null) {
            evidence.add(new Measurement("metric above target at", s.metricAbove(), "t"));
        }
        if (s.scaledOut() != null) {
            evidence.add(new Measurement("desired replicas rose at", s.scaledOut(), "t"));
            evidence.add(new Measurement("desired replicas", s.desiredAfter(), "count"));
        }
        if (s.ready() != null) {
            evidence.add(new Measurement("new pods ready at", s.ready(), "t"));
        }
        h.scaleOutWithin()
                .ifPresent(limit -> within(
                        "scale-out", s.metricAbove(), s.scaledOut(), limit, failed, unknown, measured, evidence));
        h.readyWithin()
                .ifPresent(limit -> within(
                        "new pods ready", s.metricAbove(), s.ready(), limit, failed, unknown, measured, evidence));
        fromTheLoadsRise(h, s, loadRisesMs, failed, unknown, measured, evidence);
        h.scaleInWithin().ifPresent(limit -> {
            if (s.scaledOut() == null || s.metricBelow() == null) {
                unknown.add("scale-in: the metric never fell below its target after a scale-out");
                return;
            }
            evidence.add(new Measurement("metric below target at", s.metricBelow(), "t"));
            within("scale-in", s.metricBelow(), s.scaledIn(), limit, failed, unknown, measured, evidence);
        });
        h.maxFlaps().ifPresent(limit -> {
            evidence.add(new Measurement("flaps", s.flaps(), "count"));
            measured.add(s.flaps() + " flap(s)");
            if (s.flaps() > limit) {
                failed.add("%d direction reversals of desiredReplicas > %d".formatted(s.flaps(), limit));
            }
        });
        h.maxReplicasNotReached().filter(b -> b).ifPresent(b -> {
            evidence.add(new Measurement("peak desired replicas", s.peakDesired(), "count"));
            evidence.add(new Measurement("max replicas", s.max(), "count"));
            measured.add("peak %d of max %d".formatted(s.peakDesired(), s.max()));
            if (s.peakDesired() >= s.max()) {
                failed.add("desiredReplicas reached maxReplicas (%d): the HPA ran out of room".formatted(s.max()));
            }
        });
        Verdict verdict =
                !failed.isEmpty() ? Verdict.FAILED : !unknown.isEmpty() ? Verdict.NOT_EVALUATED : Verdict.PASSED;
        List<String> said = new ArrayList<>(failed);
        said.addAll(unknown);
        String what = String.join(", ", measured);
        return new HypothesisResult(
                h.name(),
                "hpa",
                verdict,
                expected,
                said.isEmpty() ? what : String.join("; ", said) + (what.isEmpty() ? "" : " (" + what + ")"),
                evidence);
    }

    /**
     * From the load's rise that the metric's crossing followed (the latest at or before it) to the
     * crossing, to desired replicas rising and to the new pods Ready: the whole reaction, of which
     * the status alone shows only the part after the controller wrote the metric.
     */
    private static void fromTheLoadsRise(
            Hypothesis.Hpa h,
            Story s,
            List<Long> loadRisesMs,
            List<String> failed,
            List<String> unknown,
            List<String> measured,
            List<Measurement> evidence) {
        Long rise = s.metricAbove() == null
                ? null
                : loadRisesMs.stream()
                        .filter(r -> r <= s.metricAbove())
                        .max(Long::compare)
                        .orElse(null);
        if (rise != null) {
            evidence.add(new Measurement("load rose at", rise, "t"));
            evidence.add(new Measurement("metric above target after the load rose", s.metricAbove() - rise, "ms"));
            if (s.scaledOut() != null) {
                evidence.add(new Measurement("desired replicas rose after the load rose", s.scaledOut() - rise, "ms"));
            }
            if (s.ready() != null) {
                evidence.add(new Measurement("new pods ready after the load rose", s.ready() - rise, "ms"));
            }
        }
        h.reactWithin().ifPresent(limit -> {
            if (s.metricAbove() != null && rise == null) {
                unknown.add("react: no rise of the load before the metric exceeded its target (no load, or it sent"
                        + " nothing before)");
                return;
            }
            within("react", rise, s.ready(), limit, failed, unknown, measured, evidence);
        });
    }

    private static void within(
            String what,
            Long from,
            Long to,
            Duration limit,
            List<String> failed,
            List<String> unknown,
            List<String> measured,
            List<Measurement> evidence) {
        if (from == null) {
            unknown.add(what + ": the HPA's metric never exceeded its target, so nothing asked for a scale-out");
            return;
        }
        if (to == null) {
            failed.add("%s: did not happen before the run ended (limit %s)".formatted(what, Durations.format(limit)));
            return;
        }
        long took = to - from;
        evidence.add(new Measurement(what + " took", took, "ms"));
        measured.add(what + " " + Format.millis(took));
        if (took > limit.toMillis()) {
            failed.add("%s took %s > %s".formatted(what, Format.millis(took), Durations.format(limit)));
        }
    }

    static Story story(List<Observed.HpaStatus> statuses, List<Observed.PodStatus> pods) {
        int crossing = -1;
        for (int i = 0; i < statuses.size(); i++) {
            if (statuses.get(i).metricAboveTarget()) {
                crossing = i;
                break;
            }
        }
        Long metricAbove = null;
        Long scaledOut = null;
        Long ready = null;
        Long metricBelow = null;
        Long scaledIn = null;
        int desiredAfter = 0;
        if (crossing >= 0) {
            metricAbove = statuses.get(crossing).t();
            // The controller often writes the metric and its decision in one update: compare with the status before.
            int desiredBefore = statuses.get(Math.max(0, crossing - 1)).desired();
            int outAt = -1;
            for (int i = crossing; i < statuses.size(); i++) {
                if (statuses.get(i).desired() > desiredBefore) {
                    outAt = i;
                    break;
                }
            }
            if (outAt >= 0) {
                scaledOut = statuses.get(outAt).t();
                desiredAfter = statuses.get(outAt).desired();
                ready = firstServing(pods, desiredAfter, scaledOut);
                int peak = desiredAfter;
                for (int i = outAt + 1; i < statuses.size(); i++) {
                    Observed.HpaStatus st = statuses.get(i);
                    if (metricBelow == null && st.metricBelowTarget()) {
                        metricBelow = st.t();
                    }
                    if (metricBelow != null && st.desired() < peak) {
                        scaledIn = st.t();
                        break;
                    }
                    peak = Math.max(peak, st.desired());
                }
            }
        }
        int flaps = 0;
        int direction = 0;
        int peakDesired = 0;
        int previous = statuses.get(0).desired();
        for (Observed.HpaStatus st : statuses) {
            peakDesired = Math.max(peakDesired, st.desired());
            int d = Integer.signum(st.desired() - previous);
            if (d != 0) {
                if (direction != 0 && d != direction) {
                    flaps++;
                }
                direction = d;
            }
            previous = st.desired();
        }
        return new Story(
                metricAbove,
                scaledOut,
                desiredAfter,
                ready,
                metricBelow,
                scaledIn,
                flaps,
                peakDesired,
                statuses.get(statuses.size() - 1).max());
    }

    /** The first moment, not before {@code from}, at which at least {@code count} target pods serve. */
    private static Long firstServing(List<Observed.PodStatus> pods, int count, long from) {
        Map<String, Boolean> serving = new HashMap<>();
        boolean reachedFrom = false;
        for (Observed.PodStatus p : pods) {
            if (!reachedFrom && p.t() >= from) {
                reachedFrom = true;
                if (servingCount(serving) >= count) {
                    return from;
                }
            }
            serving.put(p.uid(), p.serving());
            if (reachedFrom && servingCount(serving) >= count) {
                return p.t();
            }
        }
        return !reachedFrom && servingCount(serving) >= count ? from : null;
    }

    private static long servingCount(Map<String, Boolean> serving) {
        return serving.values().stream().filter(b -> b).count();
    }

    static String expected(Hypothesis.Hpa h) {
        List<String> parts = new ArrayList<>();
        h.scaleOutWithin().ifPresent(d -> parts.add("scale-out within " + Durations.format(d)));
        h.readyWithin().ifPresent(d -> parts.add("new pods ready within " + Durations.format(d)));
        h.scaleInWithin().ifPresent(d -> parts.add("scale-in within " + Durations.format(d)));
        h.maxFlaps().ifPresent(n -> parts.add("at most " + n + " flap(s)"));
        h.maxReplicasNotReached().filter(b -> b).ifPresent(b -> parts.add("maxReplicas never reached"));
        return "HPA " + h.hpaName() + ": " + String.join(", ", parts);
    }
}
