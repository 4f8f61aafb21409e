package dev.aftershock.report;

import dev.aftershock.journal.Format;
import dev.aftershock.journal.HypothesisResult;
import dev.aftershock.journal.Journal;
import dev.aftershock.journal.LoadSeries;
import dev.aftershock.journal.Measurement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * What the comparison page shows of two runs, A and B, side by side: each run's verdict and facts,
 * each hypothesis's verdict in both (matched by name), the numbers (load totals, and every
 * hypothesis's evidence: traffic shares, autoscaler phases), both autoscaler timelines, and each
 * chart of either run next to the same chart of the other. Built from the two journals alone.
 */
public record ComparisonView(
        String title,
        ReportView a,
        ReportView b,
        List<Side> sides,
        List<HypothesisPair> hypotheses,
        List<NumberRow> numbers,
        List<ChartPair> charts) {

    /** One run's column: its label (A, B), its report, its autoscaler events and how many were left out. */
    public record Side(String label, ReportView run, List<ReportView.EventRow> timeline, int timelineOmitted) {}

    /** A hypothesis in both runs, or in one ("not in this run" for the other). */
    public record HypothesisPair(
            String name,
            String kind,
            String verdictA,
            String classA,
            String measuredA,
            String verdictB,
            String classB,
            String measuredB) {}

    /** A number of both runs, as shown ("-" when a run has none). */
    public record NumberRow(String label, String a, String b) {}

    /** The same chart in both runs: each side's canvas id, or empty when that run has no such chart. */
    public record ChartPair(String title, Optional<String> canvasA, Optional<String> canvasB) {}

    static final String PREFIX_A = "a-chart-";
    static final String PREFIX_B = "b-chart-";
    private static final String NONE = "-";

    public static ComparisonView of(Journal a, Journal b) {
        ReportView va = ReportView.of(a);
        ReportView vb = ReportView.of(b);
        return new ComparisonView(
                "Aftershock: %s (A) and %s (B)"
                        .formatted(a.experiment().name(), b.experiment().name()),
                va,
                vb,
                List.of(side("A", va, a), side("B", vb, b)),
                hypotheses(a, b),
                numbers(a, b),
                charts(va, vb));
    }

    private static List<HypothesisPair> hypotheses(Journal a, Journal b) {
        Map<String, HypothesisResult> inA = byName(a);
        Map<String, HypothesisResult> inB = byName(b);
        Set<String> names = new LinkedHashSet<>(inA.keySet());
        names.addAll(inB.keySet());
        List<HypothesisPair> pairs = new ArrayList<>();
        for (String name : names) {
            HypothesisResult ha = inA.get(name);
            HypothesisResult hb = inB.get(name);
            pairs.add(new HypothesisPair(
                    name,
                    (ha != null ? ha : hb).kind(),
                    verdict(ha),
                    verdictClass(ha),
                    ha == null ? "not in this run" : ha.measured(),
                    verdict(hb),
                    verdictClass(hb),
                    hb == null ? "not in this run" : hb.measured()));
        }
        return pairs;
    }

    private static Map<String, HypothesisResult> byName(Journal j) {
        Map<String, HypothesisResult> by = new LinkedHashMap<>();
        j.hypotheses().forEach(h -> by.put(h.name(), h));
        return by;
    }

    private static String verdict(HypothesisResult h) {
        return h == null ? NONE : h.verdict().name().toLowerCase(Locale.ROOT).replace('_', ' ');
    }

    private static String verdictClass(HypothesisResult h) {
        if (h == null) {
            return "neutral";
        }
        return switch (h.verdict()) {
            case PASSED -> "passed";
            case FAILED -> "failed";
            case NOT_EVALUATED -> "neutral";
        };
    }

    /** The load's totals, then each hypothesis's evidence, by name, in the order they first appear. */
    private static List<NumberRow> numbers(Journal a, Journal b) {
        List<NumberRow> rows = new ArrayList<>();
        addTotal(rows, a, b, "requests", t -> Format.number(t.requests()));
        addTotal(rows, a, b, "error rate", t -> Format.percent(t.errorRatePercent()));
        addTotal(rows, a, b, "latency p50", t -> Format.millis(t.p50()));
        addTotal(rows, a, b, "latency p95", t -> Format.millis(t.p95()));
        addTotal(rows, a, b, "latency p99", t -> Format.millis(t.p99()));
        addTotal(rows, a, b, "most requests in a second", t -> Format.number(t.maxRps()));
        Map<String, String> inA = evidence(a);
        Map<String, String> inB = evidence(b);
        Set<String> labels = new LinkedHashSet<>(inA.keySet());
        labels.addAll(inB.keySet());
        labels.forEach(l -> rows.add(new NumberRow(l, inA.getOrDefault(l, NONE), inB.getOrDefault(l, NONE))));
        return rows;
    }

    private static void addTotal(
            List<NumberRow> rows, Journal a, Journal b, String label, Function<LoadSeries.Totals, String> shown) {
        if (a.load() == null && b.load() == null) {
            return;
        }
        rows.add(new NumberRow(
                label,
                a.load() == null ? NONE : shown.apply(a.load().totals()),
                b.load() == null ? NONE : shown.apply(b.load().totals())));
    }

    private static Map<String, String> evidence(Journal j) {
        Map<String, String> by = new LinkedHashMap<>();
        for (HypothesisResult h : j.hypotheses()) {
            for (Measurement m : h.evidence()) {
                by.putIfAbsent(h.name() + ": " + m.name(), m.shown());
            }
        }
        return by;
    }

    /**
     * A run's column, with the autoscalers' side of it: the HPA's, the VPA's, the node
     * autoscaler's events, nodes added and removed.
     */
    private static Side side(String label, ReportView view, Journal j) {
        List<ReportView.EventRow> all = j.events().stream()
                .filter(e -> e.source().equals("hpa")
                        || e.source().equals("autoscaler")
                        || e.source().equals("vpa")
                        || (e.source().equals("node")
                                && Set.of("added", "removed").contains(e.kind())))
                .map(e -> new ReportView.EventRow(
                        Format.offset(e.t()), e.source(), e.subject(), e.kind() + ": " + e.message()))
                .toList();
        return new Side(
                label,
                view,
                all.stream().limit(ReportView.MAX_EVENTS).toList(),
                Math.max(0, all.size() - ReportView.MAX_EVENTS));
    }

    /**
     * Each chart of A with the same chart of B beside it, then B's that A has not. The same chart
     * is the same title before its parenthesis: a chart's id is its place in its own run, and a
     * container's charts say in their title when a VPA recommends for it, which one run may have.
     */
    private static List<ChartPair> charts(ReportView a, ReportView b) {
        Map<String, ReportView.ChartView> inA = new LinkedHashMap<>();
        a.charts().forEach(c -> inA.putIfAbsent(key(c.title()), c));
        Map<String, ReportView.ChartView> inB = new LinkedHashMap<>();
        b.charts().forEach(c -> inB.putIfAbsent(key(c.title()), c));
        Set<String> keys = new LinkedHashSet<>(inA.keySet());
        keys.addAll(inB.keySet());
        List<ChartPair> pairs = new ArrayList<>();
        for (String key : keys) {
            ReportView.ChartView ca = inA.get(key);
            ReportView.ChartView cb = inB.get(key);
            pairs.add(new ChartPair(
                    (ca != null ? ca : cb).title(),
                    Optional.ofNullable(ca).map(c -> PREFIX_A + c.id()),
                    Optional.ofNullable(cb).map(c -> PREFIX_B + c.id())));
        }
        return pairs;
    }

    static String key(String title) {
        int paren = title.indexOf(" (");
        return paren < 0 ? title : title.substring(0, paren);
    }
}
