package dev.aftershock.report;

import dev.aftershock.journal.AbortRecord;
import dev.aftershock.journal.Environment;
import dev.aftershock.journal.ExperimentInfo;
import dev.aftershock.journal.FaultRecord;
import dev.aftershock.journal.HypothesisResult;
import dev.aftershock.journal.Journal;
import dev.aftershock.journal.LoadSeries;
import dev.aftershock.journal.Measurement;
import dev.aftershock.journal.RollbackRecord;
import dev.aftershock.journal.RunInfo;
import dev.aftershock.journal.Series;
import dev.aftershock.journal.TargetRecord;
import dev.aftershock.journal.Termination;
import dev.aftershock.journal.TimelineEvent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Journals built by tests, deterministic to the byte, for golden files, the browser test and benchmarks. */
public final class SampleJournals {
    private static final Instant START = Instant.parse("2026-11-23T10:00:00Z");

    private SampleJournals() {}

    /** The quickstart passing: ramp to 40 rps, the HPA scales out, a pod is killed and replaced. */
    public static Journal passing() {
        return quickstart(false);
    }

    /** The same run judged against an SLO it misses. */
    public static Journal failedHypothesis() {
        return quickstart(true);
    }

    private static Journal quickstart(boolean strictSlo) {
        int seconds = 240;
        List<LoadSeries.Second> load = new ArrayList<>();
        for (int t = 0; t < seconds; t++) {
            long rps = t < 60 ? 2 + Math.round(38.0 * t / 60) : 40;
            double bump = t >= 120 && t < 128 ? 1.0 + (128 - t) * 0.35 : 1.0;
            double saturated = t >= 45 && t < 75 ? 2.2 : 1.0;
            double p50 = 31 + (t % 7) * 0.5;
            load.add(new LoadSeries.Second(
                    t,
                    rps,
                    t == 121 || t == 122 ? Map.of("http-503", 1L) : Map.of(),
                    p50 * saturated,
                    p50 * 2.1 * saturated * bump,
                    p50 * 3.4 * saturated * bump));
        }
        var totals = new LoadSeries.Totals(
                load.stream().mapToLong(LoadSeries.Second::requests).sum(), 2, 32.4, 71.8, strictSlo ? 812 : 412, 40);
        List<HypothesisResult> hypotheses = List.of(
                strictSlo
                        ? new HypothesisResult(
                                "users-barely-notice",
                                "slo",
                                HypothesisResult.Verdict.FAILED,
                                "p99 <= 300 ms, error rate <= 1 %",
                                "p99 812 ms, error rate 0.02 %",
                                List.of(new Measurement("p99", 812, "ms"), new Measurement("error rate", 0.02, "%")))
                        : new HypothesisResult(
                                "users-barely-notice",
                                "slo",
                                HypothesisResult.Verdict.PASSED,
                                "p99 <= 500 ms, error rate <= 1 %",
                                "p99 412 ms, error rate 0.02 %",
                                List.of(new Measurement("p99", 412, "ms"), new Measurement("error rate", 0.02, "%"))),
                new HypothesisResult(
                        "hpa-scales-out",
                        "hpa",
                        HypothesisResult.Verdict.PASSED,
                        "scale out within 1 min 30 s, ready within 2 min, at most 1 flap",
                        "scaled out after 21.40 s, ready after 33.90 s, 0 flaps",
                        List.of(
                                new Measurement("metric above target at", 47_000, "ms"),
                                new Measurement("desiredReplicas rose after", 21_400, "ms"),
                                new Measurement("new pods ready after", 33_900, "ms"),
                                new Measurement("flaps", 0, "count"))));
        FaultRecord kill = new FaultRecord(
                "kill-one-pod",
                "pod-kill",
                120_000,
                null,
                List.of(new TargetRecord(
                        "Pod",
                        "aftershock-demo",
                        "target-7d9f-x2k4q",
                        TargetRecord.State.NOT_RECOVERABLE,
                        120_004L,
                        null,
                        "deleted with its own grace period (30s)",
                        List.of(new Measurement("replacement ready after", 3_200, "ms")))));
        List<Series> series = List.of(
                new Series("hpa.target.desired", "count", points(0, 2, 68_400, 4, 200_000, 3)),
                new Series("hpa.target.current", "count", points(0, 2, 69_000, 4, 200_600, 3)),
                new Series(
                        "pods.ready", "count", points(0, 2, 81_000, 3, 82_100, 4, 120_050, 3, 123_200, 4, 205_000, 3)),
                new Series("nodes.ready", "count", points(0, 3)));
        List<TimelineEvent> events = List.of(
                new TimelineEvent(0, "load", "started", "target", "open model: ramp 2 to 40 rps over 1 min"),
                new TimelineEvent(47_000, "hpa", "metric-above-target", "target", "cpu 91% > 50%"),
                new TimelineEvent(68_400, "hpa", "desired-changed", "target", "desiredReplicas 2 -> 4"),
                new TimelineEvent(82_100, "pod", "ready", "target-7d9f-a81kd", "Ready"),
                new TimelineEvent(
                        120_004,
                        "fault",
                        "injected",
                        "kill-one-pod",
                        "deleted pod target-7d9f-x2k4q <script>alert(1)</script>"),
                new TimelineEvent(123_200, "pod", "ready", "target-7d9f-q0w2e", "replacement Ready"));
        boolean failed = strictSlo;
        return new Journal(
                Journal.FORMAT,
                new RunInfo(
                        "quickstart-20261123-100000",
                        START,
                        START.plusSeconds(seconds),
                        failed ? RunInfo.Outcome.FAILED : RunInfo.Outcome.PASSED,
                        failed ? 1 : 0,
                        false,
                        "0.1.0-test"),
                new ExperimentInfo(
                        "quickstart",
                        "Ramp to 40 rps, watch the HPA scale out, kill a pod during the hold",
                        Map.of("team", "sre"),
                        "experiments/quickstart.yaml",
                        7,
                        240_000,
                        "aftershock-demo",
                        "deployment/target",
                        "apiVersion: aftershock.dev/v1alpha1\nkind: Experiment\nmetadata:\n  name: quickstart\n"),
                environment(3),
                List.of(kill),
                List.of(new Termination(
                        "pod-kill",
                        "kill-one-pod",
                        "target-7d9f-x2k4q",
                        "kwok-node-1",
                        120_000,
                        false,
                        true,
                        45L,
                        3_100L,
                        3_180L,
                        212L,
                        0L,
                        "",
                        "deleted",
                        "Burstable")),
                new LoadSeries("http://target.aftershock-demo.svc:8080/work?cpuMs=25", load, totals),
                series,
                events,
                hypotheses,
                null,
                new RollbackRecord("always", true, 0, 0, "nothing left to recover"));
    }

    /** A drain aborted on a sustained error rate, whose uncordon then failed: the worst day. */
    /** A series and a fault named to break out of the report's inline JSON, if it let them. */
    public static Journal hostileNames() {
        Journal j = passing();
        List<Series> series = new java.util.ArrayList<>(j.series());
        series.add(new Series("pods.<!--<script>", "count", points(0, 1, 60_000, 2)));
        List<FaultRecord> faults = j.faults().stream()
                .map(f -> new FaultRecord("<!--<script>", f.action(), f.atMs(), f.holdForMs(), f.targets()))
                .toList();
        return new Journal(
                j.format(),
                j.run(),
                j.experiment(),
                j.environment(),
                faults,
                j.terminations(),
                j.load(),
                series,
                j.events(),
                j.hypotheses(),
                j.abort(),
                j.rollback());
    }

    /**
     * The passing run with who served its requests, as an externalTrafficPolicy run has it:
     * {@code local} all to one pod of three (its node's), else spread evenly; and its traffic verdict.
     */
    public static Journal withTraffic(boolean local) {
        Journal j = passing();
        List<Series> series = new java.util.ArrayList<>(j.series());
        String[] pods = {"target-7d9f-a", "target-7d9f-b", "target-7d9f-c"};
        for (int i = 0; i < pods.length; i++) {
            double share = local ? (i == 2 ? 100 : 0) : 33.3 + (i == 0 ? 0.1 : 0);
            List<Series.Point> p = new ArrayList<>();
            for (long t = 5_000; t <= 240_000; t += 5_000) {
                p.add(new Series.Point(t, share));
            }
            series.add(new Series(Series.TRAFFIC_POD + pods[i], "%", p));
        }
        for (String node : List.of("kwok-node-1", "kwok-node-2")) {
            double share = local ? (node.equals("kwok-node-2") ? 100 : 0) : (node.equals("kwok-node-1") ? 66.7 : 33.3);
            List<Series.Point> p = new ArrayList<>();
            for (long t = 5_000; t <= 240_000; t += 5_000) {
                p.add(new Series.Point(t, share));
            }
            series.add(new Series(Series.TRAFFIC_NODE + node, "%", p));
        }
        List<HypothesisResult> hypotheses = new ArrayList<>(j.hypotheses());
        hypotheses.add(new HypothesisResult(
                "even-spread",
                "traffic",
                local ? HypothesisResult.Verdict.FAILED : HypothesisResult.Verdict.PASSED,
                "service target: pod skew at most 1.50",
                local
                        ? "service target: pod target-7d9f-c had 3.00 times an even split over 3 pods, at most 1.50 expected"
                        : "service target: pod target-7d9f-a had 1.00 times an even split over 3 pods",
                List.of(
                        new Measurement("pod skew", local ? 3.0 : 1.0, "times"),
                        new Measurement("client address preserved", local ? 100 : 0, "%"))));
        return new Journal(
                j.format(),
                j.run(),
                j.experiment(),
                j.environment(),
                j.faults(),
                j.terminations(),
                j.load(),
                series,
                j.events(),
                hypotheses,
                j.abort(),
                j.rollback());
    }

    public static Journal abortedWithFailedRecovery() {
        int seconds = 150;
        List<LoadSeries.Second> load = new ArrayList<>();
        for (int t = 0; t < seconds; t++) {
            long errors = t >= 95 ? 40 + (t % 5) : 0;
            load.add(new LoadSeries.Second(
                    t,
                    120,
                    errors == 0 ? Map.of() : Map.of("timeout", errors - 10, "http-503", 10L),
                    40,
                    t >= 95 ? 1900 : 95,
                    t >= 95 ? 2000 : 180));
        }
        FaultRecord drain = new FaultRecord(
                "drain-one",
                "node-drain",
                60_000,
                120_000L,
                List.of(new TargetRecord(
                        "Node",
                        null,
                        "kwok-node-2",
                        TargetRecord.State.RECOVERY_FAILED,
                        60_010L,
                        null,
                        "uncordon failed: HTTP 403 nodes \"kwok-node-2\" is forbidden",
                        List.of(
                                new Measurement("pods evicted", 14, "count"),
                                new Measurement("eviction retries", 6, "count"),
                                new Measurement("blocked by PDB checkout", 18_500, "ms")))));
        return new Journal(
                Journal.FORMAT,
                new RunInfo(
                        "checkout-survives-drain-20261123-100000",
                        START,
                        START.plusSeconds(seconds),
                        RunInfo.Outcome.ABORTED,
                        3,
                        false,
                        "0.1.0-test"),
                new ExperimentInfo(
                        "checkout-survives-drain",
                        "Drain a node while checkout takes 150 rps",
                        Map.of("team", "payments"),
                        "experiments/checkout-survives-drain.yaml",
                        42,
                        600_000,
                        "shop",
                        "deployment/checkout",
                        "apiVersion: aftershock.dev/v1alpha1\n"),
                environment(3),
                List.of(drain),
                List.of(
                        new Termination(
                                "node-drain",
                                "drain-one",
                                "checkout-5c7b-9kq2d",
                                "kwok-node-2",
                                60_040,
                                false,
                                true,
                                2_300L,
                                400L,
                                520L,
                                362L,
                                41L,
                                "",
                                "evicted through the Eviction API",
                                "Burstable"),
                        new Termination(
                                "other",
                                "",
                                "checkout-5c7b-zz81p",
                                "kwok-node-1",
                                95_000,
                                false,
                                null,
                                null,
                                null,
                                null,
                                900L,
                                12L,
                                "",
                                "evicted by the kubelet (memory)",
                                "BestEffort")),
                new LoadSeries(
                        "http://checkout.shop.svc:8080/work?cpuMs=20",
                        load,
                        new LoadSeries.Totals(18_000, 2_200, 40, 900, 2000, 120)),
                List.of(
                        new Series("nodes.schedulable", "count", points(0, 3, 60_010, 2)),
                        new Series("pods.ready", "count", points(0, 6, 61_000, 4, 90_000, 5)),
                        new Series(
                                "memory/checkout-5c7b-9kq2d/app",
                                "MiB",
                                points(0, 180, 10_000, 184.5, 20_000, 190, 30_000, 201.2, 40_000, 199, 50_000, 230)),
                        new Series("memory/checkout-5c7b-9kq2d/app/request", "MiB", points(0, 256)),
                        new Series("memory/checkout-5c7b-9kq2d/app/limit", "MiB", points(0, 512)),
                        new Series(
                                "memory/checkout-5c7b-zz81p/app",
                                "MiB",
                                points(0, 175, 10_000, 260, 20_000, 340, 30_000, 420, 40_000, 480, 90_000, 0)),
                        new Series("memory/checkout-5c7b-zz81p/app/request", "MiB", points(0, 256)),
                        new Series("memory/checkout-5c7b-zz81p/app/limit", "MiB", points(0, 512))),
                List.of(
                        new TimelineEvent(60_010, "fault", "injected", "kwok-node-2", "cordoned; evicting 14 pods"),
                        new TimelineEvent(
                                80_000, "node", "memory-pressure", "node/kwok-node-1", "Ready, MemoryPressure"),
                        new TimelineEvent(110_000, "node", "memory-pressure-over", "node/kwok-node-1", "Ready"),
                        new TimelineEvent(125_000, "abort", "triggered", "errorRate", "errorRate > 25% for 30s"),
                        new TimelineEvent(
                                126_000, "fault", "recovery-failed", "kwok-node-2", "uncordon failed: HTTP 403")),
                List.of(new HypothesisResult(
                        "latency",
                        "slo",
                        HypothesisResult.Verdict.FAILED,
                        "p99 <= 400 ms, error rate <= 1 %",
                        "p99 2.00 s, error rate 12.22 %",
                        List.of(new Measurement("p99", 2000, "ms"), new Measurement("error rate", 12.22, "%")))),
                new AbortRecord(125_000, "errorRate > 25% for 30s", "error rate 33.6 % for 30 s"),
                new RollbackRecord("always", true, 0, 1, "1 target could not be recovered: run `aftershock recover`"));
    }

    /**
     * A one-hour run for the rendering benchmark: 3,600 seconds, 12 series, about a million requests
     * summarised.
     */
    public static Journal oneHour() {
        int seconds = 3600;
        List<LoadSeries.Second> load = new ArrayList<>(seconds);
        long total = 0;
        for (int t = 0; t < seconds; t++) {
            long rps = 280 + Math.round(60 * Math.sin(t / 300.0));
            total += rps;
            load.add(new LoadSeries.Second(
                    t,
                    rps,
                    t % 97 == 0 ? Map.of("timeout", 3L) : Map.of(),
                    20 + 5 * Math.sin(t / 50.0),
                    60 + 15 * Math.sin(t / 40.0),
                    120 + 40 * Math.sin(t / 30.0)));
        }
        List<Series> series = new ArrayList<>();
        String[] names = {
            "hpa.a.current",
            "hpa.a.desired",
            "hpa.b.current",
            "hpa.b.desired",
            "pods.ready",
            "pods.pending",
            "deployment.a.available",
            "deployment.b.available",
            "vpa.a.cpu-target",
            "vpa.a.memory-target",
            "nodes.ready",
            "nodes.schedulable"
        };
        for (int i = 0; i < names.length; i++) {
            List<Series.Point> points = new ArrayList<>();
            for (int t = 0; t < seconds; t++) {
                points.add(new Series.Point(t * 1000L, 3 + ((t / (30 + i)) % (5 + i))));
            }
            series.add(new Series(names[i], "count", points));
        }
        List<FaultRecord> faults = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            long at = 120_000L + i * 280_000L;
            faults.add(new FaultRecord(
                    "cordon-" + i,
                    "node-cordon",
                    at,
                    60_000L,
                    List.of(new TargetRecord(
                            "Node",
                            null,
                            "kwok-node-" + (i % 3 + 1),
                            TargetRecord.State.RECOVERED,
                            at + 3,
                            at + 60_004,
                            null,
                            List.of()))));
        }
        List<TimelineEvent> events = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            events.add(new TimelineEvent(i * 1800L, "pod", "ready", "pod-" + i, "Ready"));
        }
        return new Journal(
                Journal.FORMAT,
                new RunInfo(
                        "one-hour", START, START.plusSeconds(seconds), RunInfo.Outcome.PASSED, 0, false, "0.1.0-test"),
                new ExperimentInfo(
                        "one-hour", "A long soak", Map.of(), "soak.yaml", 1, 3_600_000, "soak", "deployment/a", ""),
                environment(3),
                faults,
                List.of(),
                new LoadSeries("http://a.soak.svc/", load, new LoadSeries.Totals(total, 111, 20, 60, 160, 310)),
                series,
                events,
                List.of(),
                null,
                new RollbackRecord("always", true, 12, 0, "all 12 targets recovered"));
    }

    private static Environment environment(int nodes) {
        List<Environment.NodeInfo> list = new ArrayList<>();
        for (int i = 1; i <= nodes; i++) {
            list.add(new Environment.NodeInfo("kwok-node-" + i, true, true, "general"));
        }
        return new Environment("https://127.0.0.1:36443", "v1.33.13", list);
    }

    private static List<Series.Point> points(double... tv) {
        List<Series.Point> points = new ArrayList<>();
        for (int i = 0; i < tv.length; i += 2) {
            points.add(new Series.Point((long) tv[i], tv[i + 1]));
        }
        return points;
    }
}
