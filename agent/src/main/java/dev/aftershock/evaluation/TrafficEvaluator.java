package dev.aftershock.evaluation;

import dev.aftershock.journal.HypothesisResult;
import dev.aftershock.journal.HypothesisResult.Verdict;
import dev.aftershock.journal.Measurement;
import dev.aftershock.model.Hypothesis;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Judges a {@code traffic} hypothesis on who served the load's requests, as the target said in
 * its response headers (pod, node, the client address it saw), joined with the target's pods as
 * the watches saw them: each pod's share against an even split over the pods serving at the
 * load's middle (and any other that served), each node's share against what that even split gives
 * it (its pods over all), how many requests reached a pod with the load's own address, and the
 * failed requests around each change of the target's endpoints. What cannot be judged (the target
 * never said, the load's address unknown, no endpoint moved) is not evaluated, never passed.
 */
public final class TrafficEvaluator {
    private static final String KIND = "traffic";
    /** Around an endpoint's change: kube-proxy applies it a moment later, clients retry a while. */
    static final long RESCHEDULING_BEFORE_MS = 1_000;

    static final long RESCHEDULING_AFTER_MS = 5_000;

    /** More requests than this share served under names the watch does not know: the names do not match. */
    static final double UNKNOWN_NAMES_AT_MOST = 0.01;

    private TrafficEvaluator() {}

    public static HypothesisResult judge(Hypothesis.Traffic h, Evidence e) {
        String expected = expected(h);
        if (e.load().isEmpty()) {
            return result(h, Verdict.NOT_EVALUATED, expected, "the run sent no load", List.of());
        }
        LoadRecorder load = e.load().get();
        long end = load.lastSecond() + 1;
        LoadRecorder.ServedBy served = load.servedBy(0, end);
        long told = served.toldPod();
        if (told == 0) {
            return result(
                    h,
                    Verdict.NOT_EVALUATED,
                    expected,
                    "the target said in no response which pod served it (load.servedBy.podHeader)",
                    List.of());
        }
        List<Measurement> evidence = new ArrayList<>();
        List<String> off = new ArrayList<>();
        List<String> said = new ArrayList<>();
        List<String> unjudged = new ArrayList<>();
        evidence.add(new Measurement("requests told who served", told, "count"));
        // The pods an even split is over: serving at the load's middle, and any other of the
        // target's that served. A name the watch never saw is not the target's pod name.
        long middle = (load.firstRequestAtMs().orElse(0) + end * 1000) / 2;
        Map<String, String> nodeOf = new TreeMap<>(nodesOfServing(e.cluster(), middle));
        Set<String> known = new TreeSet<>();
        e.cluster().observed(Observed.PodStatus.class).forEach(p -> known.add(p.pod()));
        served.pods().keySet().stream()
                .filter(known::contains)
                .forEach(pod -> nodeOf.putIfAbsent(pod, lastNode(e.cluster(), pod)));
        long unknown = served.pods().entrySet().stream()
                .filter(x -> !known.contains(x.getKey()))
                .mapToLong(Map.Entry::getValue)
                .sum();
        if (unknown > told * UNKNOWN_NAMES_AT_MOST) {
            String names = String.join(
                    ", ",
                    served.pods().keySet().stream()
                            .filter(p -> !known.contains(p))
                            .limit(3)
                            .toList());
            String why =
                    "%.1f %% of the requests were served by pods the watch does not know (%s): the target's pod header"
                                    .formatted(100.0 * unknown / told, names)
                            + " does not name its pods";
            if (h.maxPodSkew().isPresent() || h.maxNodeSkew().isPresent()) {
                unjudged.add(why);
            }
            nodeOf.clear();
        }
        int pods = nodeOf.size();
        evidence.add(new Measurement("pods", pods, "count"));
        String busiestPod = "";
        double podSkew = 0;
        for (String pod : nodeOf.keySet()) {
            double share = (double) served.pods().getOrDefault(pod, 0L) / told;
            evidence.add(new Measurement("share of pod " + pod, round(100 * share), "%"));
            if (share * pods > podSkew) {
                podSkew = share * pods;
                busiestPod = pod;
            }
        }
        if (pods > 0) {
            evidence.add(new Measurement("pod skew", round(podSkew), "times"));
        }
        double finalPodSkew = podSkew;
        String finalBusiestPod = busiestPod;
        h.maxPodSkew().filter(max -> pods > 0).ifPresent(max -> {
            String what =
                    "pod %s had %.2f times an even split over %d pods".formatted(finalBusiestPod, finalPodSkew, pods);
            (finalPodSkew > max ? off : said)
                    .add(finalPodSkew > max ? what + ", at most %.2f expected".formatted(max) : what);
        });
        nodeSkew(h, served, nodeOf, evidence, off, said, unjudged);
        h.clientIpPreserved()
                .ifPresent(preserved -> clientAddress(preserved, served, load, evidence, off, said, unjudged));
        h.maxErrorsWhileRescheduling()
                .ifPresent(max -> rescheduling(max, e.cluster(), load, evidence, off, said, unjudged));
        Verdict verdict = !off.isEmpty() ? Verdict.FAILED : unjudged.isEmpty() ? Verdict.PASSED : Verdict.NOT_EVALUATED;
        List<String> bad = new ArrayList<>(off);
        bad.addAll(unjudged);
        return result(
                h,
                verdict,
                expected,
                "service %s: %s".formatted(h.service(), String.join("; ", verdict == Verdict.PASSED ? said : bad)),
                evidence);
    }

    /** Each node's share against its pods' share of the even split; the busiest node's ratio is the skew. */
    private static void nodeSkew(
            Hypothesis.Traffic h,
            LoadRecorder.ServedBy served,
            Map<String, String> nodeOf,
            List<Measurement> evidence,
            List<String> off,
            List<String> said,
            List<String> unjudged) {
        Map<String, Long> byNode = new TreeMap<>(served.nodes());
        if (byNode.isEmpty()) {
            // The target named pods only: their nodes as the watch saw them.
            served.pods().forEach((pod, n) -> {
                String node = nodeOf.get(pod);
                if (node != null) {
                    byNode.merge(node, n, Long::sum);
                }
            });
        }
        long total = byNode.values().stream().mapToLong(Long::longValue).sum();
        Map<String, Integer> podsOn = new HashMap<>();
        nodeOf.values().stream().filter(n -> n != null && !n.isEmpty()).forEach(n -> podsOn.merge(n, 1, Integer::sum));
        int placed = podsOn.values().stream().mapToInt(Integer::intValue).sum();
        if (total == 0 || placed == 0) {
            h.maxNodeSkew().ifPresent(max -> unjudged.add("which node served is not known"));
            return;
        }
        // Requests on a node none of those pods is on: the node header does not name the watch's nodes.
        long elsewhere = byNode.entrySet().stream()
                .filter(x -> !podsOn.containsKey(x.getKey()))
                .mapToLong(Map.Entry::getValue)
                .sum();
        if (elsewhere > total * UNKNOWN_NAMES_AT_MOST) {
            h.maxNodeSkew()
                    .ifPresent(max -> unjudged.add(
                            "%.1f %% of the requests were served on nodes (%s) where the watch saw none of the pods: the"
                                            .formatted(
                                                    100.0 * elsewhere / total,
                                                    String.join(
                                                            ", ",
                                                            byNode.keySet().stream()
                                                                    .filter(n -> !podsOn.containsKey(n))
                                                                    .limit(3)
                                                                    .toList()))
                                    + " target's node header does not name its nodes"));
            return;
        }
        String busiest = "";
        double skew = 0;
        for (String node : new TreeSet<>(podsOn.keySet())) {
            double share = (double) byNode.getOrDefault(node, 0L) / total;
            double even = (double) podsOn.get(node) / placed;
            evidence.add(new Measurement("share of node " + node, round(100 * share), "%"));
            if (share / even > skew) {
                skew = share / even;
                busiest = node;
            }
        }
        evidence.add(new Measurement("node skew", round(skew), "times"));
        double finalSkew = skew;
        String finalBusiest = busiest;
        h.maxNodeSkew().ifPresent(max -> {
            String what =
                    "node %s had %.2f times what an even split over pods gives it".formatted(finalBusiest, finalSkew);
            (finalSkew > max ? off : said)
                    .add(finalSkew > max ? what + ", at most %.2f expected".formatted(max) : what);
        });
    }

    /** How many requests reached a pod with the load's own address (no rewrite on the way). */
    private static void clientAddress(
            boolean preserved,
            LoadRecorder.ServedBy served,
            LoadRecorder load,
            List<Measurement> evidence,
            List<String> off,
            List<String> said,
            List<String> unjudged) {
        long told =
                served.clients().values().stream().mapToLong(Long::longValue).sum();
        if (told == 0) {
            unjudged.add("the target said in no response which client address it saw (load.servedBy.clientHeader)");
            return;
        }
        if (load.sourceAddress().isEmpty()) {
            unjudged.add("the load's own address toward the target is not known: its preservation cannot be told");
            return;
        }
        String own = load.sourceAddress().get();
        if (ownMachineOnly(own)) {
            unjudged.add("the load leaves from %s, a loopback or link-local address (a port-forward, say): what the"
                            .formatted(own)
                    + " pods see says nothing of the Service's policy");
            return;
        }
        long kept = served.clients().getOrDefault(own, 0L);
        double rate = 100.0 * kept / told;
        evidence.add(new Measurement("client address preserved", round(rate), "%"));
        String seen =
                String.join(", ", served.clients().keySet().stream().limit(5).toList());
        if (preserved && kept != told) {
            off.add("the pods saw the load's address %s in %.1f %% of requests (they saw %s), in all expected"
                    .formatted(own, rate, seen));
        } else if (!preserved && kept != 0) {
            off.add("the pods saw the load's address %s in %.1f %% of requests, in none expected".formatted(own, rate));
        } else {
            said.add(
                    preserved
                            ? "every pod saw the load's address %s".formatted(own)
                            : "no pod saw the load's address %s (they saw %s)".formatted(own, seen));
        }
    }

    /**
     * Failed requests started around each change of the target's endpoints (in or out of rotation):
     * in the whole seconds from the one 1 s before the change through the one 5 s after it.
     */
    private static void rescheduling(
            long max,
            ClusterTimeline t,
            LoadRecorder load,
            List<Measurement> evidence,
            List<String> off,
            List<String> said,
            List<String> unjudged) {
        List<Observed.RotationStatus> changes = t.rotationChanges();
        if (!t.rotationWatched() || changes.isEmpty()) {
            unjudged.add(
                    t.rotationWatched()
                            ? "no endpoint of the target moved during the run: nothing to reschedule"
                            : "the target's endpoints could not be watched");
            return;
        }
        Set<Long> inWindows = new TreeSet<>();
        for (Observed.RotationStatus r : changes) {
            for (long s = Math.max(0, (r.t() - RESCHEDULING_BEFORE_MS) / 1000);
                    s <= (r.t() + RESCHEDULING_AFTER_MS) / 1000;
                    s++) {
                inWindows.add(s);
            }
        }
        long errors = load.errorsBySecond().entrySet().stream()
                .filter(x -> inWindows.contains(x.getKey()))
                .mapToLong(Map.Entry::getValue)
                .sum();
        evidence.add(new Measurement("endpoint changes", changes.size(), "count"));
        evidence.add(new Measurement("errors while rescheduling", errors, "count"));
        String what = "%d failed request(s) around %d endpoint change(s)".formatted(errors, changes.size());
        (errors > max ? off : said).add(errors > max ? what + ", at most %d expected".formatted(max) : what);
    }

    /** An address that never crosses a node's network: loopback, link-local. */
    private static boolean ownMachineOnly(String address) {
        String a = address.toLowerCase(java.util.Locale.ROOT);
        return a.startsWith("127.")
                || a.equals("::1")
                || a.equals("0:0:0:0:0:0:0:1")
                || a.startsWith("169.254.")
                || a.startsWith("fe80:");
    }

    /** The target pods serving at that moment (their latest status before it), with their nodes. */
    static Map<String, String> nodesOfServing(ClusterTimeline t, long at) {
        Map<String, Observed.PodStatus> latest = new HashMap<>();
        for (Observed.PodStatus p : t.observed(Observed.PodStatus.class)) {
            if (p.t() <= at) {
                latest.put(p.uid(), p);
            }
        }
        Map<String, String> serving = new TreeMap<>();
        latest.values().stream()
                .filter(Observed.PodStatus::serving)
                .forEach(p -> serving.put(p.pod(), p.node() == null ? "" : p.node()));
        return serving;
    }

    private static String lastNode(ClusterTimeline t, String pod) {
        return t.observed(Observed.PodStatus.class).stream()
                .filter(p -> p.pod().equals(pod) && p.node() != null)
                .reduce((a, b) -> b)
                .map(Observed.PodStatus::node)
                .orElse("");
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }

    private static HypothesisResult result(
            Hypothesis.Traffic h, Verdict verdict, String expected, String measured, List<Measurement> evidence) {
        return new HypothesisResult(h.name(), KIND, verdict, expected, measured, evidence);
    }

    static String expected(Hypothesis.Traffic h) {
        List<String> parts = new ArrayList<>();
        h.maxPodSkew().ifPresent(s -> parts.add("pod skew at most %.2f".formatted(s)));
        h.maxNodeSkew().ifPresent(s -> parts.add("node skew at most %.2f".formatted(s)));
        h.clientIpPreserved()
                .ifPresent(p -> parts.add(p ? "the client address preserved" : "the client address rewritten"));
        h.maxErrorsWhileRescheduling().ifPresent(n -> parts.add("at most %d errors while endpoints move".formatted(n)));
        return "service " + h.service() + ": " + String.join(", ", parts);
    }
}
