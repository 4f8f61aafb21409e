package dev.aftershock.evaluation;

import dev.aftershock.journal.HypothesisResult;
import dev.aftershock.journal.HypothesisResult.Verdict;
import dev.aftershock.journal.Measurement;
import dev.aftershock.journal.Termination;
import dev.aftershock.model.Durations;
import dev.aftershock.model.Hypothesis;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.ToLongFunction;

/**
 * Judges a {@code vpa} hypothesis on the target's VerticalPodAutoscaler as the run's watch saw its
 * status change, and on the target containers' use as the metrics API measured it every 10 s: how
 * soon the first recommendation came, the last CPU target against the P90 of the CPU used and the
 * last memory target against the peak working set (below: under-provisioned; far above: waste),
 * and after each OOM kill of the run, how soon the memory target rose. Not evaluated when the
 * watches never listed, or a target is judged with no use measured.
 */
public final class VpaEvaluator {
    private static final String KIND = "vpa";
    private static final double MIB = 1 << 20;

    /** A P90 or a peak of fewer samples (10 s apart) says little of the use under the run's load. */
    static final int MIN_SAMPLES = 3;

    private VpaEvaluator() {}

    public static HypothesisResult judge(Hypothesis.Vpa h, Evidence e) {
        String expected = expected(h);
        if (!e.cluster().listed()) {
            return result(
                    h,
                    Verdict.NOT_EVALUATED,
                    expected,
                    "the run's watches had not listed the cluster within 15 s",
                    List.of());
        }
        if (!e.cluster().vpasListed()) {
            return result(
                    h,
                    Verdict.NOT_EVALUATED,
                    expected,
                    "the namespace's VerticalPodAutoscalers could not be listed (is the VPA installed, and may the"
                            + " agent watch them?)",
                    List.of());
        }
        List<Observed.VpaStatus> all = e.cluster().observed(Observed.VpaStatus.class);
        Optional<String> vpa = h.vpaName()
                .or(() -> all.stream()
                        .filter(v -> v.target().equalsIgnoreCase(e.workload()))
                        .map(Observed.VpaStatus::vpa)
                        .findFirst());
        List<Observed.VpaStatus> seen = vpa.map(
                        name -> all.stream().filter(v -> v.vpa().equals(name)).toList())
                .orElse(List.of());
        if (seen.isEmpty()) {
            return result(
                    h,
                    Verdict.FAILED,
                    expected,
                    h.vpaName()
                            .map(name -> "no VerticalPodAutoscaler %s was seen".formatted(name))
                            .orElse("no VerticalPodAutoscaler of %s was seen".formatted(e.workload())),
                    List.of());
        }
        List<Measurement> evidence = new ArrayList<>();
        List<String> off = new ArrayList<>();
        List<String> said = new ArrayList<>();
        // What was asked but could not be judged: never a pass.
        List<String> unjudged = new ArrayList<>();
        if (!seen.get(0).target().equalsIgnoreCase(e.workload())) {
            off.add("vpa/%s targets %s, not the experiment's %s"
                    .formatted(seen.get(0).vpa(), seen.get(0).target(), e.workload()));
        }
        Optional<Observed.VpaStatus> first =
                seen.stream().filter(v -> hasTarget(v, h)).findFirst();
        boolean hadOne = hasTarget(seen.get(0), h);
        first.filter(f -> !hadOne)
                .ifPresent(f -> evidence.add(new Measurement("first recommendation after", f.t(), "ms")));
        h.recommendationWithin().ifPresent(within -> {
            if (hadOne) {
                unjudged.add("the VPA had a recommendation when the run began: how soon it came is not known");
            } else if (first.isEmpty()) {
                off.add("no recommendation by the run's end, within %s expected".formatted(Durations.format(within)));
            } else if (first.get().t() > within.toMillis()) {
                off.add("the first recommendation came after %.1f s, within %s expected"
                        .formatted(first.get().t() / 1000.0, Durations.format(within)));
            } else {
                said.add("first recommendation after %.1f s"
                        .formatted(first.get().t() / 1000.0));
            }
        });
        Observed.VpaStatus last = seen.get(seen.size() - 1);
        evidence.add(new Measurement("target changes", seen.size() - 1, "count"));
        if (h.cpu().isPresent() || h.memory().isPresent()) {
            List<Observed.VpaRecommendation> judged = last.containers().stream()
                    .filter(c -> h.container().map(c.container()::equals).orElse(true))
                    .toList();
            if (judged.isEmpty()) {
                off.add(h.container()
                        .map(c -> "no recommendation for container %s by the run's end".formatted(c))
                        .orElse("no recommendation by the run's end"));
            }
            List<Observed.ContainerUsage> usage = e.cluster().observed(Observed.ContainerUsage.class);
            for (Observed.VpaRecommendation c : judged) {
                List<Observed.ContainerUsage> of = usage.stream()
                        .filter(u -> u.container().equals(c.container()))
                        .toList();
                List<Observed.ContainerUsage> withCpu =
                        of.stream().filter(u -> u.cpuMillicores() >= 0).toList();
                if (of.size() < MIN_SAMPLES || (h.cpu().isPresent() && withCpu.size() < MIN_SAMPLES)) {
                    unjudged.add(
                            "the metrics API measured the use of container %s %d time(s), fewer than %d: its targets cannot be judged"
                                    .formatted(c.container(), of.size(), MIN_SAMPLES));
                    continue;
                }
                long cpuP90 = withCpu.isEmpty() ? 0 : p90(withCpu, Observed.ContainerUsage::cpuMillicores);
                long peak = of.stream()
                        .mapToLong(Observed.ContainerUsage::workingSetBytes)
                        .max()
                        .orElse(0);
                h.cpu().ifPresent(b -> {
                    evidence.add(new Measurement(c.container() + " cpu target", c.cpuTarget(), "m"));
                    evidence.add(new Measurement(c.container() + " cpu used p90", cpuP90, "m"));
                    bound(b, c.container() + " CPU", c.cpuTarget(), cpuP90, "P90", "%dm", 1, off, said);
                });
                h.memory().ifPresent(b -> {
                    evidence.add(new Measurement(c.container() + " memory target", c.memoryTarget() / MIB, "MiB"));
                    evidence.add(new Measurement(c.container() + " memory used peak", peak / MIB, "MiB"));
                    bound(b, c.container() + " memory", c.memoryTarget(), peak, "peak", "%.0f MiB", MIB, off, said);
                });
            }
        }
        h.oomBumpWithin().ifPresent(within -> oomBumps(h, within, seen, e, evidence, off, said, unjudged));
        if (!unjudged.isEmpty()) {
            return result(
                    h,
                    off.isEmpty() ? Verdict.NOT_EVALUATED : Verdict.FAILED,
                    expected,
                    String.join("; ", off.isEmpty() ? unjudged : concat(off, unjudged)),
                    evidence);
        }
        return result(
                h,
                off.isEmpty() ? Verdict.PASSED : Verdict.FAILED,
                expected,
                "vpa/%s: %s".formatted(vpa.get(), String.join("; ", off.isEmpty() ? said : off)),
                evidence);
    }

    /** The target against the use: at least it ({@code covers}), at most {@code maxOverProvision} above it. */
    private static void bound(
            Hypothesis.Vpa.Bounds b,
            String what,
            long target,
            long used,
            String usedAs,
            String format,
            double unit,
            List<String> off,
            List<String> said) {
        String targetText = target < 0 ? "none" : format.formatted(unit == 1 ? (Object) target : target / unit);
        String usedText = format.formatted(unit == 1 ? (Object) used : used / unit);
        if (target < 0) {
            off.add("%s: no target by the run's end".formatted(what));
            return;
        }
        if (b.covers() && target < used) {
            off.add("%s target %s is below the %s used (%s): under-provisioned"
                    .formatted(what, targetText, usedAs, usedText));
            return;
        }
        if (b.maxOverProvision().isPresent()) {
            double most = Math.max(used, 1) * (1 + b.maxOverProvision().get().fraction());
            if (target > most) {
                off.add("%s target %s is more than %s above the %s used (%s)"
                        .formatted(what, targetText, b.maxOverProvision().get(), usedAs, usedText));
                return;
            }
        }
        said.add("%s target %s against the %s used %s".formatted(what, targetText, usedAs, usedText));
    }

    /** After each OOM kill, the first memory target above the last one before it. */
    private static void oomBumps(
            Hypothesis.Vpa h,
            java.time.Duration within,
            List<Observed.VpaStatus> seen,
            Evidence e,
            List<Measurement> evidence,
            List<String> off,
            List<String> said,
            List<String> unjudged) {
        List<Termination> kills = e.terminations().stream()
                .filter(t -> Termination.OOM_KILLED.equals(t.how()))
                .toList();
        if (kills.isEmpty()) {
            unjudged.add("no OOM kill in the run to react to");
            return;
        }
        for (Termination kill : kills) {
            long before = seen.stream()
                    .filter(v -> v.t() <= kill.atMs())
                    .reduce((a, b) -> b)
                    .map(v -> memoryTarget(v, h))
                    .orElse(-1L);
            if (before < 0) {
                // A first recommendation after the kill is no rise: there was nothing to rise from.
                unjudged.add("the VPA had no memory target before pod %s's OOM kill: no rise can be told"
                        .formatted(kill.pod()));
                continue;
            }
            Optional<Observed.VpaStatus> rose = seen.stream()
                    .filter(v -> v.t() > kill.atMs() && memoryTarget(v, h) > before)
                    .findFirst();
            if (rose.isEmpty() && kill.atMs() + within.toMillis() > e.runEndMs()) {
                unjudged.add("the run ended %.1f s after pod %s's OOM kill, before %s had passed"
                        .formatted((e.runEndMs() - kill.atMs()) / 1000.0, kill.pod(), Durations.format(within)));
            } else if (rose.isEmpty() || rose.get().t() - kill.atMs() > within.toMillis()) {
                off.add("the memory target did not rise within %s of pod %s's OOM kill%s"
                        .formatted(
                                Durations.format(within),
                                kill.pod(),
                                rose.map(r -> " (it did after %.1f s)".formatted((r.t() - kill.atMs()) / 1000.0))
                                        .orElse("")));
            } else {
                evidence.add(new Measurement("oom bump after", rose.get().t() - kill.atMs(), "ms"));
                said.add("memory target %.0f MiB after pod %s's OOM kill, %.0f MiB before, %.1f s later"
                        .formatted(
                                memoryTarget(rose.get(), h) / MIB,
                                kill.pod(),
                                before / MIB,
                                (rose.get().t() - kill.atMs()) / 1000.0));
            }
        }
    }

    /** The largest memory target among the judged containers (-1: none yet). */
    private static long memoryTarget(Observed.VpaStatus v, Hypothesis.Vpa h) {
        return v.containers().stream()
                .filter(c -> h.container().map(c.container()::equals).orElse(true))
                .mapToLong(Observed.VpaRecommendation::memoryTarget)
                .max()
                .orElse(-1);
    }

    private static boolean hasTarget(Observed.VpaStatus v, Hypothesis.Vpa h) {
        return v.containers().stream()
                .filter(c -> h.container().map(c.container()::equals).orElse(true))
                .anyMatch(c -> c.cpuTarget() >= 0 || c.memoryTarget() >= 0);
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> both = new ArrayList<>(a);
        both.addAll(b);
        return both;
    }

    /** The nearest-rank 90th percentile. */
    private static long p90(List<Observed.ContainerUsage> samples, ToLongFunction<Observed.ContainerUsage> value) {
        long[] sorted = samples.stream().mapToLong(value).sorted().toArray();
        int rank = (int) Math.ceil(0.9 * sorted.length);
        return sorted[Math.max(0, rank - 1)];
    }

    private static HypothesisResult result(
            Hypothesis.Vpa h, Verdict verdict, String expected, String measured, List<Measurement> evidence) {
        return new HypothesisResult(h.name(), KIND, verdict, expected, measured, evidence);
    }

    static String expected(Hypothesis.Vpa h) {
        List<String> parts = new ArrayList<>();
        h.recommendationWithin().ifPresent(d -> parts.add("a recommendation within " + Durations.format(d)));
        h.cpu().ifPresent(b -> parts.add("CPU target" + bounds(b, "P90")));
        h.memory().ifPresent(b -> parts.add("memory target" + bounds(b, "peak")));
        h.oomBumpWithin()
                .ifPresent(d -> parts.add("the memory target up within " + Durations.format(d) + " of an OOM kill"));
        return h.vpaName().map(n -> "vpa/" + n + ": ").orElse("")
                + h.container().map(c -> "container " + c + ": ").orElse("")
                + String.join(", ", parts);
    }

    private static String bounds(Hypothesis.Vpa.Bounds b, String usedAs) {
        Set<String> parts = new LinkedHashSet<>();
        if (b.covers()) {
            parts.add(" at least the " + usedAs + " used");
        }
        b.maxOverProvision().ifPresent(p -> parts.add(" at most " + p + " above it"));
        return String.join(",", parts);
    }
}
