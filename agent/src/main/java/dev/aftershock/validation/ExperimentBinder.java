package dev.aftershock.validation;

import dev.aftershock.model.AbortCondition;
import dev.aftershock.model.Arrival;
import dev.aftershock.model.Durations;
import dev.aftershock.model.Experiment;
import dev.aftershock.model.FaultSpec;
import dev.aftershock.model.Hypothesis;
import dev.aftershock.model.LoadProfile;
import dev.aftershock.model.Metadata;
import dev.aftershock.model.NodeSelection;
import dev.aftershock.model.Percent;
import dev.aftershock.model.Pick;
import dev.aftershock.model.PodSelection;
import dev.aftershock.model.Rollback;
import dev.aftershock.model.Safety;
import dev.aftershock.model.Spec;
import dev.aftershock.model.Target;
import dev.aftershock.model.WorkloadRef;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.BiFunction;
import tools.jackson.databind.JsonNode;

/**
 * Binds a schema-valid tree to the model. Written out rather than annotated because several fields
 * take more than one shape ({@code pick: 3 | 30% | all}, nodes by selector, names or hosting) and
 * the one-of rules between fields need messages that name the fields. Problems found here are the
 * ones the schema cannot express; they carry the pointer of the value at fault.
 */
final class ExperimentBinder {
    /** A problem found while binding, not yet placed in the file. */
    record Finding(Pointer at, String message) {}

    private final List<Finding> findings = new ArrayList<>();

    List<Finding> findings() {
        return findings;
    }

    Experiment bind(JsonNode root) {
        JsonNode m = root.get("metadata");
        Metadata metadata =
                new Metadata(m.get("name").asString(), optionalText(m, "description"), stringMap(m.get("labels")));
        return new Experiment(root.get("apiVersion").asString(), metadata, spec(root.get("spec"), Pointer.of("spec")));
    }

    private Spec spec(JsonNode s, Pointer at) {
        Target target = target(s.get("target"));
        return new Spec(
                duration(s, at, "duration").orElse(Duration.ZERO),
                seed(s, at),
                target,
                s.has("load") ? Optional.of(load(s.get("load"), at.field("load"))) : Optional.empty(),
                list(s, at, "faults", (node, p) -> fault(node, p, target)),
                list(s, at, "hypotheses", this::hypothesis),
                list(s, at, "abort", this::abortCondition),
                s.has("rollback")
                        ? Rollback.fromWord(s.get("rollback").asString()).orElseThrow()
                        : Rollback.ALWAYS,
                s.has("safety") ? safety(s.get("safety")) : Safety.DEFAULTS);
    }

    private Optional<Long> seed(JsonNode s, Pointer at) {
        JsonNode seed = s.get("seed");
        if (seed == null) {
            return Optional.empty();
        }
        if (!seed.canConvertToLong()) {
            findings.add(new Finding(at.field("seed"), "the seed must fit in 64 bits, got " + seed));
            return Optional.empty();
        }
        return Optional.of(seed.asLong());
    }

    private Target target(JsonNode t) {
        return new Target(
                t.get("namespace").asString(),
                WorkloadRef.parse(t.get("workload").asString()),
                optionalText(t, "service"));
    }

    private LoadProfile load(JsonNode l, Pointer at) {
        return new LoadProfile(
                URI.create(l.get("url").asString()),
                l.has("method") ? l.get("method").asString() : "GET",
                headers(l.get("headers")),
                optionalText(l, "body"),
                duration(l, at, "timeout").orElse(LoadProfile.DEFAULT_TIMEOUT),
                list(l, at, "arrivals", this::arrival),
                servedBy(l.get("servedBy")),
                injectors(l));
    }

    private static LoadProfile.Injectors injectors(JsonNode l) {
        JsonNode resources = l.get("injectorResources");
        boolean given = resources != null;
        return new LoadProfile.Injectors(
                l.has("injectors") ? l.get("injectors").asInt() : 1,
                given && resources.has("requests")
                        ? stringMap(resources.get("requests"))
                        : LoadProfile.Injectors.DEFAULT_REQUESTS,
                given && resources.has("limits")
                        ? stringMap(resources.get("limits"))
                        : LoadProfile.Injectors.DEFAULT_LIMITS,
                l.has("injectorNodeSelector") ? stringMap(l.get("injectorNodeSelector")) : Map.of(),
                l.has("injectorsOnFaultNodes") && l.get("injectorsOnFaultNodes").asBoolean());
    }

    private static LoadProfile.ServedBy servedBy(JsonNode s) {
        LoadProfile.ServedBy d = LoadProfile.ServedBy.DEFAULT;
        if (s == null) {
            return d;
        }
        return new LoadProfile.ServedBy(
                optionalText(s, "podHeader").orElse(d.podHeader()),
                optionalText(s, "nodeHeader").orElse(d.nodeHeader()),
                optionalText(s, "clientHeader").orElse(d.clientHeader()));
    }

    private Arrival arrival(JsonNode a, Pointer at) {
        if (a.has("ramp")) {
            JsonNode r = a.get("ramp");
            return new Arrival.Ramp(
                    r.get("from").asDouble(), r.get("to").asDouble(), required(r, at.field("ramp"), "over"));
        }
        if (a.has("hold")) {
            JsonNode h = a.get("hold");
            return new Arrival.Hold(h.get("rate").asDouble(), required(h, at.field("hold"), "for"));
        }
        JsonNode st = a.get("steps");
        List<Double> rates = new ArrayList<>();
        st.get("rates").forEach(r -> rates.add(r.asDouble()));
        return new Arrival.Steps(rates, required(st, at.field("steps"), "each"));
    }

    private FaultSpec fault(JsonNode f, Pointer at, Target target) {
        FaultSpec.Action action =
                FaultSpec.Action.fromWord(f.get("action").asString()).orElseThrow();
        int index = (Integer) at.last();
        String name = f.has("name") ? f.get("name").asString() : action.word() + "-" + (index + 1);
        Duration when = required(f, at, "at");
        return switch (action) {
            case NODE_CORDON ->
                new FaultSpec.NodeCordon(name, when, duration(f, at, "for"), nodes(f.get("nodes"), at.field("nodes")));
            case NODE_DRAIN ->
                new FaultSpec.NodeDrain(
                        name,
                        when,
                        duration(f, at, "for"),
                        nodes(f.get("nodes"), at.field("nodes")),
                        duration(f, at, "evictionTimeout").orElse(FaultSpec.NodeDrain.DEFAULT_EVICTION_TIMEOUT),
                        duration(f, at, "gracePeriod"),
                        f.path("force").asBoolean(false),
                        f.path("deleteEmptyDirData").asBoolean(false),
                        f.has("concurrency") ? f.get("concurrency").asInt() : FaultSpec.NodeDrain.DEFAULT_CONCURRENCY);
            case POD_KILL ->
                new FaultSpec.PodKill(
                        name,
                        when,
                        pods(f.get("pods"), at.field("pods"), target),
                        duration(f, at, "gracePeriod"),
                        f.path("force").asBoolean(false),
                        duration(f, at, "interval"));
            case PROBE_FAILURE ->
                new FaultSpec.ProbeFailure(
                        name,
                        when,
                        duration(f, at, "for"),
                        pods(f.get("pods"), at.field("pods"), target),
                        FaultSpec.Probe.fromWord(f.get("probe").asString()).orElseThrow(),
                        optionalText(f, "container"));
            case ROLLOUT_RESTART -> new FaultSpec.RolloutRestart(name, when);
            case NODE_MEMORY_PRESSURE ->
                new FaultSpec.NodeMemoryPressure(
                        name,
                        when,
                        duration(f, at, "for"),
                        nodes(f.get("nodes"), at.field("nodes")),
                        Percent.parse(f.get("fill").asString()),
                        f.has("rate") ? bytesPerSecond(f.get("rate").asString()) : FaultSpec.MemoryOom.DEFAULT_RATE,
                        target.namespace());
            case MEMORY_OOM ->
                new FaultSpec.MemoryOom(
                        name,
                        when,
                        duration(f, at, "for"),
                        pods(f.get("pods"), at.field("pods"), target),
                        optionalText(f, "container"),
                        f.has("rate") ? bytesPerSecond(f.get("rate").asString()) : FaultSpec.MemoryOom.DEFAULT_RATE,
                        f.path("growIntoNodeMemory").asBoolean(false));
            case CONTAINER_SIGNAL ->
                new FaultSpec.ContainerSignal(
                        name,
                        when,
                        pods(f.get("pods"), at.field("pods"), target),
                        optionalText(f, "container"),
                        FaultSpec.Signal.fromWord(
                                        f.has("signal") ? f.get("signal").asString() : "SIGTERM")
                                .orElseThrow());
        };
    }

    /** "64Mi/s" (the schema checked its form: Ki, Mi or Gi) in bytes a second. */
    static long bytesPerSecond(String rate) {
        String amount = rate.substring(0, rate.length() - "/s".length());
        long unit = switch (amount.substring(amount.length() - 2)) {
            case "Ki" -> 1L << 10;
            case "Mi" -> 1L << 20;
            default -> 1L << 30;
        };
        return Math.multiplyExact(Long.parseLong(amount.substring(0, amount.length() - 2)), unit);
    }

    private NodeSelection nodes(JsonNode n, Pointer at) {
        List<String> given = new ArrayList<>();
        for (String way : List.of("selector", "names", "hosting")) {
            if (n.has(way)) {
                given.add(way);
            }
        }
        if (given.size() != 1) {
            findings.add(new Finding(
                    at,
                    given.isEmpty()
                            ? "say which nodes: give one of selector, names or hosting"
                            : "give only one of selector, names or hosting, not " + String.join(" and ", given)));
            return new NodeSelection.ByNames(List.of());
        }
        Pick pick = pick(n.get("pick"));
        return switch (given.get(0)) {
            case "names" -> {
                if (n.has("pick")) {
                    findings.add(new Finding(
                            at.field("pick"), "pick does not apply to nodes given by name: every named node is used"));
                }
                List<String> names = new ArrayList<>();
                n.get("names").forEach(x -> names.add(x.asString()));
                yield new NodeSelection.ByNames(names);
            }
            case "selector" -> {
                Map<String, String> selector = stringMap(n.get("selector"));
                if (selector.isEmpty()) {
                    findings.add(
                            new Finding(
                                    at.field("selector"),
                                    "an empty selector matches every node: name the nodes or give a selector with at least one label"));
                }
                yield new NodeSelection.BySelector(selector, pick);
            }
            default -> new NodeSelection.HostingTarget(pick);
        };
    }

    private PodSelection pods(JsonNode p, Pointer at, Target target) {
        Map<String, String> selector = stringMap(p.get("selector"));
        if (selector.isEmpty()) {
            findings.add(new Finding(
                    at.field("selector"),
                    "an empty selector matches every pod in the namespace: give a selector with at least one label"));
        }
        String namespace = p.has("namespace") ? p.get("namespace").asString() : target.namespace();
        return new PodSelection(namespace, selector, pick(p.get("pick")));
    }

    private static Pick pick(JsonNode pick) {
        if (pick == null) {
            return new Pick.Count(1);
        }
        if (pick.isNumber()) {
            return new Pick.Count(pick.asInt());
        }
        String text = pick.asString();
        return text.equals("all") ? new Pick.All() : new Pick.Share(Percent.parse(text));
    }

    private Hypothesis hypothesis(JsonNode h, Pointer at) {
        String name = h.get("name").asString();
        if (h.has("slo")) {
            JsonNode s = h.get("slo");
            Pointer sAt = at.field("slo");
            return new Hypothesis.Slo(
                    name,
                    duration(s, sAt, "p50"),
                    duration(s, sAt, "p95"),
                    duration(s, sAt, "p99"),
                    optionalText(s, "errorRate").map(Percent::parse),
                    duration(s, sAt, "window"));
        }
        if (h.has("kube")) {
            JsonNode k = h.get("kube");
            return new Hypothesis.Kube(
                    name,
                    optionalInt(k, "availableReplicasAtLeast"),
                    optionalInt(k, "readyNodesAtLeast"),
                    duration(k, at.field("kube"), "within").orElse(Duration.ofSeconds(30)));
        }
        if (h.has("prometheus")) {
            JsonNode p = h.get("prometheus");
            boolean below = p.has("below");
            return new Hypothesis.Prometheus(
                    name,
                    p.get("query").asString(),
                    below ? Hypothesis.Prometheus.Bound.BELOW : Hypothesis.Prometheus.Bound.ABOVE,
                    p.get(below ? "below" : "above").asDouble());
        }
        if (h.has("memory")) {
            JsonNode m = h.get("memory");
            return new Hypothesis.Memory(
                    name,
                    m.has("maxOomKills")
                            ? java.util.OptionalLong.of(m.get("maxOomKills").asLong())
                            : java.util.OptionalLong.empty(),
                    m.has("maxEvictions")
                            ? java.util.OptionalLong.of(m.get("maxEvictions").asLong())
                            : java.util.OptionalLong.empty(),
                    m.has("evictionOrder"));
        }
        if (h.has("traffic")) {
            JsonNode tr = h.get("traffic");
            return new Hypothesis.Traffic(
                    name,
                    tr.get("service").asString(),
                    tr.has("maxPodSkew") ? Optional.of(tr.get("maxPodSkew").asDouble()) : Optional.empty(),
                    tr.has("maxNodeSkew") ? Optional.of(tr.get("maxNodeSkew").asDouble()) : Optional.empty(),
                    tr.has("clientIpPreserved")
                            ? Optional.of(tr.get("clientIpPreserved").asBoolean())
                            : Optional.empty(),
                    tr.has("maxErrorsWhileRescheduling")
                            ? java.util.OptionalLong.of(
                                    tr.get("maxErrorsWhileRescheduling").asLong())
                            : java.util.OptionalLong.empty());
        }
        if (h.has("nodes")) {
            JsonNode n = h.get("nodes");
            Pointer nAt = at.field("nodes");
            return new Hypothesis.Nodes(
                    name,
                    duration(n, nAt, "decisionWithin"),
                    duration(n, nAt, "scaleUpWithin"),
                    duration(n, nAt, "podsRunningWithin"),
                    duration(n, nAt, "scaleDownWithin"),
                    optionalInt(n, "maxNodes"));
        }
        if (h.has("vpa")) {
            JsonNode v = h.get("vpa");
            Pointer vAt = at.field("vpa");
            JsonNode target = v.path("target");
            return new Hypothesis.Vpa(
                    name,
                    optionalText(v, "name"),
                    optionalText(v, "container"),
                    duration(v, vAt, "recommendationWithin"),
                    bounds(target.get("cpu"), "coversP90"),
                    bounds(target.get("memory"), "coversPeak"),
                    duration(v, vAt, "oomBumpWithin"));
        }
        if (h.has("shutdown")) {
            JsonNode d = h.get("shutdown");
            return new Hypothesis.Shutdown(
                    name,
                    d.has("maxFailedRequests")
                            ? java.util.OptionalLong.of(
                                    d.get("maxFailedRequests").asLong())
                            : java.util.OptionalLong.empty(),
                    d.has("outOfRotationBeforeExit")
                            ? Optional.of(d.get("outOfRotationBeforeExit").asBoolean())
                            : Optional.empty(),
                    duration(d, at.field("shutdown"), "maxTerminationTime"));
        }
        JsonNode a = h.get("hpa");
        Pointer aAt = at.field("hpa");
        return new Hypothesis.Hpa(
                name,
                a.get("name").asString(),
                duration(a, aAt, "scaleOutWithin"),
                duration(a, aAt, "readyWithin"),
                duration(a, aAt, "scaleInWithin"),
                optionalInt(a, "maxFlaps"),
                a.has("maxReplicasNotReached")
                        ? Optional.of(a.get("maxReplicasNotReached").asBoolean())
                        : Optional.empty(),
                duration(a, aAt, "reactWithin"));
    }

    private static OptionalInt optionalInt(JsonNode node, String field) {
        return node.has(field) ? OptionalInt.of(node.get(field).asInt()) : OptionalInt.empty();
    }

    private AbortCondition abortCondition(JsonNode a, Pointer at) {
        Duration sustained = required(a, at, "for");
        if (a.has("errorRate")) {
            return new AbortCondition(
                    new AbortCondition.ErrorRateAbove(
                            Percent.parse(a.get("errorRate").asString())),
                    sustained);
        }
        for (AbortCondition.LatencyPercentile p : AbortCondition.LatencyPercentile.values()) {
            String field = p.name().toLowerCase(java.util.Locale.ROOT);
            if (a.has(field)) {
                return new AbortCondition(new AbortCondition.LatencyAbove(p, required(a, at, field)), sustained);
            }
        }
        throw new IllegalStateException("schema admitted an abort condition without a condition at " + at);
    }

    private Safety safety(JsonNode s) {
        List<String> allow = new ArrayList<>();
        s.path("allowNamespaces").forEach(n -> allow.add(n.asString()));
        Safety.MaxUnavailable maxUnavailable = Safety.DEFAULTS.maxUnavailable();
        JsonNode mu = s.get("maxUnavailable");
        if (mu != null) {
            maxUnavailable = mu.isNumber()
                    ? new Safety.MaxUnavailable.Count(mu.asInt())
                    : new Safety.MaxUnavailable.Share(Percent.parse(mu.asString()));
        }
        int keep = s.has("keepSchedulableNodes")
                ? s.get("keepSchedulableNodes").asInt()
                : Safety.DEFAULTS.keepSchedulableNodes();
        return new Safety(allow, maxUnavailable, keep);
    }

    private <T> List<T> list(JsonNode parent, Pointer at, String field, BiFunction<JsonNode, Pointer, T> bind) {
        List<T> out = new ArrayList<>();
        JsonNode items = parent.get(field);
        if (items != null) {
            for (int i = 0; i < items.size(); i++) {
                out.add(bind.apply(items.get(i), at.field(field).index(i)));
            }
        }
        return out;
    }

    private Duration required(JsonNode parent, Pointer at, String field) {
        return duration(parent, at, field).orElse(Duration.ZERO);
    }

    /** A vpa target's bounds for one resource; absent when the experiment does not bound it. */
    private static Optional<Hypothesis.Vpa.Bounds> bounds(JsonNode bounds, String covers) {
        if (bounds == null || bounds.isMissingNode()) {
            return Optional.empty();
        }
        return Optional.of(new Hypothesis.Vpa.Bounds(
                bounds.has(covers) && bounds.get(covers).asBoolean(),
                optionalText(bounds, "maxOverProvision").map(Percent::parse)));
    }

    private Optional<Duration> duration(JsonNode parent, Pointer at, String field) {
        JsonNode value = parent.get(field);
        if (value == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(Durations.parse(value.asString()));
        } catch (IllegalArgumentException e) {
            findings.add(new Finding(
                    at.field(field), "the duration " + value.asString() + " is too large (the longest run is 24h)"));
            return Optional.empty();
        }
    }

    private static Optional<String> optionalText(JsonNode parent, String field) {
        JsonNode value = parent.get(field);
        return value == null ? Optional.empty() : Optional.of(value.asString());
    }

    private static Map<String, dev.aftershock.model.HeaderValue> headers(JsonNode node) {
        Map<String, dev.aftershock.model.HeaderValue> out = new LinkedHashMap<>();
        if (node != null) {
            node.properties().forEach(e -> {
                JsonNode v = e.getValue();
                JsonNode from = v.isObject() ? v.get("valueFrom") : null;
                out.put(
                        e.getKey(),
                        from == null
                                ? new dev.aftershock.model.HeaderValue.Literal(v.asString())
                                : from.has("env")
                                        ? new dev.aftershock.model.HeaderValue.FromEnv(
                                                from.get("env").asString())
                                        : new dev.aftershock.model.HeaderValue.FromFile(java.nio.file.Path.of(
                                                from.get("file").asString())));
            });
        }
        return out;
    }

    private static Map<String, String> stringMap(JsonNode node) {
        Map<String, String> out = new LinkedHashMap<>();
        if (node != null) {
            node.properties().forEach(e -> out.put(e.getKey(), e.getValue().asString()));
        }
        return out;
    }
}
