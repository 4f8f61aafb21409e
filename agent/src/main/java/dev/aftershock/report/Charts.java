package dev.aftershock.report;

import dev.aftershock.journal.FaultRecord;
import dev.aftershock.journal.Format;
import dev.aftershock.journal.Journal;
import dev.aftershock.journal.LoadSeries;
import dev.aftershock.journal.Series;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import tools.jackson.databind.json.JsonMapper;

/**
 * The report's charts on the run's one clock (seconds since the start), with the fault windows every
 * chart shades, and for each chart a sentence and a per-minute table as its text alternative.
 */
final class Charts {
    record Dataset(String label, List<double[]> data, boolean stepped) {}

    record Chart(String id, String title, String yTitle, List<Dataset> datasets) {}

    record Window(String label, double start, Double end) {}

    /** A pod termination, marked on the latency chart: when it began, and when it was over (null: not in the run). */
    record Mark(String label, double start, Double end) {}

    /** {@code pressure}: when a node reported MemoryPressure, shaded on the memory charts. */
    record Data(
            double length,
            List<Chart> charts,
            List<Window> faults,
            List<Mark> terminations,
            Double abortAt,
            List<Window> pressure) {}

    private final List<Chart> charts = new ArrayList<>();
    private final List<ReportView.ChartView> views = new ArrayList<>();
    private String json;

    static Charts of(Journal j) {
        Charts c = new Charts();
        c.build(j);
        return c;
    }

    List<ReportView.ChartView> views() {
        return views;
    }

    String json() {
        return json;
    }

    private void build(Journal j) {
        LoadSeries load = j.load();
        if (load != null && !load.seconds().isEmpty()) {
            List<LoadSeries.Second> s = load.seconds();
            add(
                    "throughput",
                    "Throughput",
                    "requests per second",
                    List.of(
                            perSecond("requests/s", s, x -> x.requests()),
                            perSecond("errors/s", s, x -> x.errorCount())),
                    "rps");
            add(
                    "latency",
                    "Latency percentiles",
                    "milliseconds",
                    List.of(
                            perSecond("p50", s, LoadSeries.Second::p50),
                            perSecond("p95", s, LoadSeries.Second::p95),
                            perSecond("p99", s, LoadSeries.Second::p99)),
                    "ms");
            add(
                    "errors",
                    "Error rate",
                    "% of requests",
                    List.of(perSecond(
                            "errors %",
                            s, x -> x.requests() == 0 ? Double.NaN : 100.0 * x.errorCount() / x.requests())),
                    "%");
        }
        List<Dataset> workload = new ArrayList<>();
        List<Dataset> nodes = new ArrayList<>();
        List<Dataset> utilization = new ArrayList<>();
        // Who served the load, as the target said: each pod's and node's share over 5 s windows.
        List<Dataset> trafficPods = new ArrayList<>();
        List<Dataset> trafficNodes = new ArrayList<>();
        double end = j.run().lengthMs() / 1000.0;
        // One memory chart per target container (by name): each pod's working set, its request and limit.
        Map<String, List<Dataset>> memory = new LinkedHashMap<>();
        // And one CPU chart per target container: each pod's use, and a VPA's recommendation.
        Map<String, List<Dataset>> cpu = new LinkedHashMap<>();
        for (Series series : j.series()) {
            Dataset d = stepped(series, end);
            if (series.name().startsWith(Series.MEMORY)) {
                String[] path = series.name().substring(Series.MEMORY.length()).split("/");
                if (path.length < 2) {
                    continue;
                }
                List<Dataset> chart = memory.computeIfAbsent(path[1], k -> new ArrayList<>());
                if (path.length == 2) {
                    // Sampled, not stepped: a pod evicted or deleted is not drawn on to the run's end.
                    chart.add(new Dataset(path[0], sampled(series), false));
                } else if (chart.stream()
                        .noneMatch(x -> x.label().startsWith(path[2]) && sameData(x.data(), d.data()))) {
                    // The template's request and limit stand for all its pods; a pod that differs
                    // (a VPA's new requests, say) has its own line.
                    boolean first = chart.stream().noneMatch(x -> x.label().startsWith(path[2]));
                    chart.add(new Dataset(first ? path[2] : path[2] + " " + path[0], d.data(), true));
                }
            } else if (series.name().startsWith(Series.CPU)) {
                String[] path = series.name().substring(Series.CPU.length()).split("/");
                if (path.length == 2) {
                    cpu.computeIfAbsent(path[1], k -> new ArrayList<>())
                            .add(new Dataset(path[0], sampled(series), false));
                }
            } else if (series.name().startsWith(Series.VPA)) {
                // vpa/<vpa>/<container>/<cpu|memory>-<target|lower|upper>: on that container's chart.
                String[] path = series.name().substring(Series.VPA.length()).split("/");
                if (path.length == 3) {
                    String[] kind = path[2].split("-", 2);
                    (kind[0].equals("cpu") ? cpu : memory)
                            .computeIfAbsent(path[1], k -> new ArrayList<>())
                            .add(new Dataset("vpa/" + path[0] + " " + kind[kind.length - 1], d.data(), true));
                }
            } else if (series.name().startsWith(Series.TRAFFIC_POD)) {
                trafficPods.add(
                        new Dataset(series.name().substring(Series.TRAFFIC_POD.length()), sampled(series), false));
            } else if (series.name().startsWith(Series.TRAFFIC_NODE)) {
                trafficNodes.add(
                        new Dataset(series.name().substring(Series.TRAFFIC_NODE.length()), sampled(series), false));
            } else if (series.name().startsWith("nodes.")) {
                nodes.add(d);
            } else if ("%".equals(series.unit())) {
                utilization.add(d);
            } else {
                workload.add(d);
            }
        }
        if (!workload.isEmpty()) {
            add("replicas", "Replicas and pods", "count", workload, "count");
        }
        if (!utilization.isEmpty()) {
            add("autoscaler-metric", "Autoscaler metric and target", "% of requests", utilization, "%");
        }
        if (!nodes.isEmpty()) {
            add("nodes", "Nodes", "count", nodes, "count");
        }
        if (!trafficPods.isEmpty()) {
            add("traffic-pods", "Share of requests per pod (as the target said)", "% of requests", trafficPods, "%");
        }
        if (!trafficNodes.isEmpty()) {
            add("traffic-nodes", "Share of requests per node (as the target said)", "% of requests", trafficNodes, "%");
        }
        int n = 0;
        for (var container : cpu.entrySet()) {
            add(
                    "cpu-" + n++,
                    "CPU of container " + container.getKey()
                            + (withVpa(container.getValue())
                                    ? " (millicores; a VPA's recommendation)"
                                    : " (millicores)"),
                    "millicores",
                    container.getValue(),
                    "m");
        }
        n = 0;
        for (var container : memory.entrySet()) {
            add(
                    "memory-" + n++,
                    "Memory of container " + container.getKey() + " (working set; request, limit"
                            + (withVpa(container.getValue()) ? "; a VPA's recommendation)" : ")"),
                    "MiB",
                    container.getValue(),
                    "MiB");
        }
        List<Window> windows = new ArrayList<>();
        for (FaultRecord f : j.faults()) {
            Long first = f.firstInjectedMs();
            if (first != null) {
                Long last = f.lastRecoveredMs();
                // A fault with nothing to recover (pod-kill) is a moment; others a window to their recovery.
                boolean instant = f.targets().stream()
                        .allMatch(t -> t.state() == dev.aftershock.journal.TargetRecord.State.NOT_RECOVERABLE);
                windows.add(new Window(
                        f.name() + " (" + f.action() + ")",
                        first / 1000.0,
                        instant ? null : (last == null ? end : last / 1000.0)));
            }
        }
        List<Mark> marks = new ArrayList<>();
        if (j.terminations() != null) {
            for (var t : j.terminations()) {
                Long over = t.endedAfterMs();
                marks.add(new Mark(
                        t.pod() + " (" + t.causeText() + ")",
                        t.atMs() / 1000.0,
                        over == null ? null : (t.atMs() + over) / 1000.0));
            }
        }
        Double abortAt = j.abort() == null ? null : j.abort().t() / 1000.0;
        json = JsonMapper.shared()
                .writeValueAsString(new Data(end, charts, windows, marks, abortAt, pressure(j, end)))
                // The JSON sits inside a <script> element: no "</script>" may close it and no "<!--<script>"
                // may send the parser into its escaped states. JSON never has '<' outside strings, and
                // inside strings its escape reads back the same.
                .replace("<", "\\u003c");
    }

    /** Each node's MemoryPressure, from its condition's timeline events, to the run's end when it lasted. */
    private static List<Window> pressure(Journal j, double end) {
        List<Window> windows = new ArrayList<>();
        Map<String, Double> since = new LinkedHashMap<>();
        for (var e : j.events()) {
            if (!"node".equals(e.source())) {
                continue;
            }
            if ("memory-pressure".equals(e.kind())) {
                since.putIfAbsent(e.subject(), e.t() / 1000.0);
            } else if ("memory-pressure-over".equals(e.kind()) && since.containsKey(e.subject())) {
                windows.add(new Window("MemoryPressure on " + e.subject(), since.remove(e.subject()), e.t() / 1000.0));
            }
        }
        since.forEach((node, start) -> windows.add(new Window("MemoryPressure on " + node, start, end)));
        return windows;
    }

    private void add(String id, String title, String yTitle, List<Dataset> datasets, String unit) {
        charts.add(new Chart(id, title, yTitle, datasets));
        views.add(new ReportView.ChartView(
                id, title, summary(datasets, unit), perMinute(datasets, unit), header(datasets)));
    }

    private static Dataset perSecond(
            String label, List<LoadSeries.Second> seconds, ToDoubleFunction<LoadSeries.Second> value) {
        List<double[]> data = new ArrayList<>(seconds.size());
        for (LoadSeries.Second s : seconds) {
            data.add(new double[] {s.t(), round(value.applyAsDouble(s))});
        }
        return new Dataset(label, data, false);
    }

    private static boolean withVpa(List<Dataset> datasets) {
        return datasets.stream().anyMatch(d -> d.label().startsWith("vpa/"));
    }

    private static List<double[]> sampled(Series series) {
        List<double[]> data = new ArrayList<>(series.points().size());
        for (Series.Point p : series.points()) {
            data.add(new double[] {p.t() / 1000.0, round(p.v())});
        }
        return data;
    }

    /** The same values in turn, whenever first sampled: two pods with the same request draw one line. */
    private static boolean sameData(List<double[]> a, List<double[]> b) {
        return a.stream()
                .map(p -> p[1])
                .distinct()
                .toList()
                .equals(b.stream().map(p -> p[1]).distinct().toList());
    }

    /** A series changes by steps; the last value is carried to the end of the run so the line does not stop short. */
    private static Dataset stepped(Series series, double end) {
        List<double[]> data = new ArrayList<>(series.points().size() + 1);
        for (Series.Point p : series.points()) {
            data.add(new double[] {p.t() / 1000.0, round(p.v())});
        }
        if (!data.isEmpty() && data.get(data.size() - 1)[0] < end) {
            data.add(new double[] {end, data.get(data.size() - 1)[1]});
        }
        return new Dataset(series.name(), data, true);
    }

    private static double round(double v) {
        return Double.isNaN(v) || Double.isInfinite(v) ? Double.NaN : Math.round(v * 100.0) / 100.0;
    }

    private static String summary(List<Dataset> datasets, String unit) {
        List<String> parts = new ArrayList<>();
        for (Dataset d : datasets) {
            double max = Double.NEGATIVE_INFINITY;
            double at = 0;
            double first = Double.NaN;
            double last = Double.NaN;
            for (double[] p : d.data()) {
                if (Double.isNaN(p[1])) {
                    continue;
                }
                if (Double.isNaN(first)) {
                    first = p[1];
                }
                last = p[1];
                if (p[1] > max) {
                    max = p[1];
                    at = p[0];
                }
            }
            if (max == Double.NEGATIVE_INFINITY) {
                parts.add(d.label() + ": no data");
            } else if (d.stepped()) {
                parts.add("%s went from %s to %s (highest %s at %s)"
                        .formatted(
                                d.label(), shown(first, unit), shown(last, unit), shown(max, unit), Format.offset((long)
                                        (at * 1000))));
            } else {
                parts.add("%s peaked at %s at %s"
                        .formatted(d.label(), shown(max, unit), Format.offset((long) (at * 1000))));
            }
        }
        return String.join("; ", parts) + ".";
    }

    private static List<String> header(List<Dataset> datasets) {
        List<String> header = new ArrayList<>();
        header.add("minute");
        datasets.forEach(d -> header.add(d.label() + (d.stepped() ? " (last)" : " (max)")));
        return header;
    }

    /** Per minute: the highest value of a measured series, the last value of a stepped one. */
    private static List<List<String>> perMinute(List<Dataset> datasets, String unit) {
        Map<Long, String[]> rows = new LinkedHashMap<>();
        int columns = datasets.size();
        for (int c = 0; c < columns; c++) {
            Dataset d = datasets.get(c);
            Map<Long, Double> byMinute = new LinkedHashMap<>();
            for (double[] p : d.data()) {
                if (Double.isNaN(p[1])) {
                    continue;
                }
                long minute = (long) (p[0] / 60);
                byMinute.merge(minute, p[1], d.stepped() ? (a, b) -> b : Math::max);
            }
            for (var e : byMinute.entrySet()) {
                rows.computeIfAbsent(e.getKey(), k -> new String[columns])[c] = shown(e.getValue(), unit);
            }
        }
        List<List<String>> table = new ArrayList<>();
        rows.keySet().stream().sorted().forEach(minute -> {
            List<String> row = new ArrayList<>();
            row.add(String.format(Locale.ROOT, "%d", minute));
            for (String cell : rows.get(minute)) {
                row.add(cell == null ? "" : cell);
            }
            table.add(row);
        });
        return table;
    }

    private static String shown(double v, String unit) {
        return switch (unit) {
            case "ms" -> Format.millis(v);
            case "%" -> String.format(Locale.ROOT, "%.2f %%", v);
            case "rps" -> String.format(Locale.ROOT, "%.0f/s", v);
            default -> v == Math.rint(v) ? Long.toString((long) v) : String.format(Locale.ROOT, "%.2f", v);
        };
    }
}
