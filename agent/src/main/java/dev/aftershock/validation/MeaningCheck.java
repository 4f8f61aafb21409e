package dev.aftershock.validation;

import dev.aftershock.model.AbortCondition;
import dev.aftershock.model.Arrival;
import dev.aftershock.model.Durations;
import dev.aftershock.model.Experiment;
import dev.aftershock.model.FaultSpec;
import dev.aftershock.model.Hypothesis;
import dev.aftershock.model.LoadProfile;
import dev.aftershock.model.NodeSelection;
import dev.aftershock.model.Percent;
import dev.aftershock.model.Pick;
import dev.aftershock.model.Safety;
import dev.aftershock.model.Spec;
import dev.aftershock.validation.ExperimentBinder.Finding;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The rules the schema cannot state: offsets inside the run, names unique, percentages in range,
 * protected namespaces. Works on the bound model; each finding points at the value to change.
 */
final class MeaningCheck {
    private final List<Finding> findings = new ArrayList<>();
    private final Pointer spec = Pointer.of("spec");

    static List<Finding> check(Experiment experiment) {
        MeaningCheck check = new MeaningCheck();
        check.run(experiment.spec());
        return check.findings;
    }

    private void run(Spec s) {
        Duration run = s.duration();
        if (run.compareTo(Spec.MIN_DURATION) < 0 || run.compareTo(Spec.MAX_DURATION) > 0) {
            add(spec.field("duration"), "a run lasts between 10s and 24h, got " + Durations.format(run));
        }
        protectedNamespace(spec.field("target").field("namespace"), s.target().namespace(), s.safety());
        s.load().ifPresent(load -> load(load, run));
        faults(s, run);
        hypotheses(s.hypotheses(), run, s.load().isPresent());
        abort(s.abort(), run);
        if (s.safety().maxUnavailable() instanceof Safety.MaxUnavailable.Share share) {
            percentInRange(spec.field("safety").field("maxUnavailable"), share.percent());
        }
    }

    private void load(LoadProfile load, Duration run) {
        Pointer at = spec.field("load");
        positive(at.field("timeout"), load.timeout());
        for (int i = 0; i < load.arrivals().size(); i++) {
            Pointer a = at.field("arrivals").index(i);
            switch (load.arrivals().get(i)) {
                case Arrival.Ramp r -> positive(a.field("ramp").field("over"), r.over());
                case Arrival.Hold h -> positive(a.field("hold").field("for"), h.holdFor());
                case Arrival.Steps st -> positive(a.field("steps").field("each"), st.each());
            }
        }
        Duration total = load.totalLength();
        if (total.compareTo(run) > 0) {
            add(
                    at.field("arrivals"),
                    "the arrivals last %s but the run lasts %s: shorten them or lengthen spec.duration"
                            .formatted(Durations.format(total), Durations.format(run)));
        }
    }

    private void faults(Spec s, Duration run) {
        Map<String, Integer> names = new HashMap<>();
        for (int i = 0; i < s.faults().size(); i++) {
            FaultSpec f = s.faults().get(i);
            Pointer at = spec.field("faults").index(i);
            Integer first = names.putIfAbsent(f.name(), i);
            if (first != null) {
                add(
                        at.field("name"),
                        "the fault name '%s' is already used by spec.faults[%d]: names must be unique"
                                .formatted(f.name(), first));
            }
            if (f.at().compareTo(run) >= 0) {
                add(
                        at.field("at"),
                        "starts at %s, which is not before the end of the run (duration %s)"
                                .formatted(Durations.format(f.at()), Durations.format(run)));
            }
            Optional<Duration> holdFor = f.holdFor();
            if (holdFor.isPresent()) {
                Duration end = f.at().plus(holdFor.get());
                if (holdFor.get().isZero()) {
                    add(at.field("for"), "must be longer than 0s (leave it out to recover at the end of the run)");
                } else if (end.compareTo(run) > 0) {
                    add(
                            at.field("for"),
                            "ends at %s (at %s + for %s), after the run ends at %s"
                                    .formatted(
                                            Durations.format(end),
                                            Durations.format(f.at()),
                                            Durations.format(holdFor.get()),
                                            Durations.format(run)));
                }
            }
            f.podSelection().ifPresent(pods -> {
                pick(at.field("pods").field("pick"), pods.pick());
                // A defaulted namespace is the target's, already checked there.
                if (!pods.namespace().equals(s.target().namespace())) {
                    protectedNamespace(at.field("pods").field("namespace"), pods.namespace(), s.safety());
                }
            });
            switch (f) {
                case FaultSpec.NodeCordon c -> nodes(at.field("nodes"), c.nodes());
                case FaultSpec.NodeDrain d -> {
                    nodes(at.field("nodes"), d.nodes());
                    positive(at.field("evictionTimeout"), d.evictionTimeout());
                }
                case FaultSpec.PodKill k -> k.interval().ifPresent(d -> positive(at.field("interval"), d));
                case FaultSpec.RolloutRestart r -> {}
                case FaultSpec.ContainerSignal c -> {}
                case FaultSpec.MemoryOom m -> {}
                case FaultSpec.NodeMemoryPressure n -> {
                    nodes(at.field("nodes"), n.nodes());
                    if (n.fill().value() < 1 || n.fill().value() > 200) {
                        add(
                                at.field("fill"),
                                "expected a share of the node's allocatable memory from 1% to 200% (above 100% to put"
                                        + " it under pressure), got " + n.fill());
                    }
                }
                case FaultSpec.ProbeFailure p -> {}
            }
        }
    }

    private void nodes(Pointer at, NodeSelection nodes) {
        switch (nodes) {
            case NodeSelection.BySelector s -> pick(at.field("pick"), s.pick());
            case NodeSelection.HostingTarget h -> pick(at.field("pick"), h.pick());
            case NodeSelection.ByNames n -> {}
        }
    }

    private void pick(Pointer at, Pick pick) {
        if (pick instanceof Pick.Share share) {
            if (share.percent().value() <= 0) {
                add(at, "a pick of 0% picks nothing: expected more than 0% and at most 100%");
            } else {
                percentInRange(at, share.percent());
            }
        }
    }

    private void hypotheses(List<Hypothesis> hypotheses, Duration run, boolean withLoad) {
        Map<String, Integer> names = new HashMap<>();
        for (int i = 0; i < hypotheses.size(); i++) {
            Hypothesis h = hypotheses.get(i);
            Pointer at = spec.field("hypotheses").index(i);
            Integer first = names.putIfAbsent(h.name(), i);
            if (first != null) {
                add(
                        at.field("name"),
                        "the hypothesis name '%s' is already used by spec.hypotheses[%d]: names must be unique"
                                .formatted(h.name(), first));
            }
            switch (h) {
                case Hypothesis.Slo slo -> {
                    Pointer sAt = at.field("slo");
                    slo.errorRate().ifPresent(p -> percentInRange(sAt.field("errorRate"), p));
                    slo.p50().ifPresent(d -> positive(sAt.field("p50"), d));
                    slo.p95().ifPresent(d -> positive(sAt.field("p95"), d));
                    slo.p99().ifPresent(d -> positive(sAt.field("p99"), d));
                    slo.window().ifPresent(w -> {
                        positive(sAt.field("window"), w);
                        if (w.compareTo(run) > 0) {
                            add(
                                    sAt.field("window"),
                                    "a window of %s is longer than the run (%s)"
                                            .formatted(Durations.format(w), Durations.format(run)));
                        }
                    });
                    if (slo.p50().isEmpty()
                            && slo.p95().isEmpty()
                            && slo.p99().isEmpty()
                            && slo.errorRate().isEmpty()) {
                        add(sAt, "an SLO needs at least one of p50, p95, p99, errorRate");
                    }
                }
                case Hypothesis.Hpa hpa -> {
                    Pointer hAt = at.field("hpa");
                    hpa.scaleOutWithin().ifPresent(d -> positive(hAt.field("scaleOutWithin"), d));
                    hpa.readyWithin().ifPresent(d -> positive(hAt.field("readyWithin"), d));
                    hpa.scaleInWithin().ifPresent(d -> positive(hAt.field("scaleInWithin"), d));
                    hpa.reactWithin().ifPresent(d -> positive(hAt.field("reactWithin"), d));
                    if (hpa.reactWithin().isPresent() && !withLoad) {
                        add(
                                hAt.field("reactWithin"),
                                "reactWithin is timed from the load's rise: the experiment has no load");
                    }
                }
                case Hypothesis.Kube kube -> {
                    if (kube.availableReplicasAtLeast().isEmpty()
                            && kube.readyNodesAtLeast().isEmpty()) {
                        add(at.field("kube"), "a kube check needs availableReplicasAtLeast or readyNodesAtLeast");
                    }
                }
                case Hypothesis.Prometheus prometheus -> {
                    if (!Double.isFinite(prometheus.threshold())) {
                        add(at.field("prometheus"), "the threshold must be a finite number");
                    }
                }
                case Hypothesis.Shutdown shutdown -> shutdown(shutdown, at.field("shutdown"), withLoad);
                // The schema asks for at least one criterion.
                case Hypothesis.Memory memory -> {}
                case Hypothesis.Traffic traffic -> {
                    if (!withLoad) {
                        add(
                                at.field("traffic"),
                                "a traffic check judges who served the load: the experiment has no load");
                    }
                }
                case Hypothesis.Nodes nodes -> {
                    Pointer nAt = at.field("nodes");
                    nodes.decisionWithin().ifPresent(d -> positive(nAt.field("decisionWithin"), d));
                    nodes.scaleUpWithin().ifPresent(d -> positive(nAt.field("scaleUpWithin"), d));
                    nodes.podsRunningWithin().ifPresent(d -> positive(nAt.field("podsRunningWithin"), d));
                    nodes.scaleDownWithin().ifPresent(d -> positive(nAt.field("scaleDownWithin"), d));
                }
                case Hypothesis.Vpa vpa -> {
                    Pointer vAt = at.field("vpa");
                    if (vpa.recommendationWithin().isEmpty()
                            && vpa.cpu().isEmpty()
                            && vpa.memory().isEmpty()
                            && vpa.oomBumpWithin().isEmpty()) {
                        add(vAt, "a vpa check needs at least one of recommendationWithin, target, oomBumpWithin");
                    }
                    vpa.recommendationWithin().ifPresent(d -> positive(vAt.field("recommendationWithin"), d));
                    vpa.oomBumpWithin().ifPresent(d -> positive(vAt.field("oomBumpWithin"), d));
                    vpa.cpu()
                            .filter(b -> !b.covers() && b.maxOverProvision().isEmpty())
                            .ifPresent(b -> add(
                                    vAt.field("target").field("cpu"),
                                    "coversP90: false with no maxOverProvision checks nothing"));
                    vpa.memory()
                            .filter(b -> !b.covers() && b.maxOverProvision().isEmpty())
                            .ifPresent(b -> add(
                                    vAt.field("target").field("memory"),
                                    "coversPeak: false with no maxOverProvision checks nothing"));
                }
            }
        }
    }

    private void shutdown(Hypothesis.Shutdown h, Pointer at, boolean withLoad) {
        h.maxTerminationTime().ifPresent(d -> positive(at.field("maxTerminationTime"), d));
        if (h.maxFailedRequests().isPresent() && !withLoad) {
            add(
                    at.field("maxFailedRequests"),
                    "failed requests are counted from the load: add a load section, or leave maxFailedRequests out");
        }
        if (h.maxFailedRequests().isEmpty()
                && !h.outOfRotationBeforeExit().orElse(false)
                && h.maxTerminationTime().isEmpty()) {
            add(at, "a shutdown check needs maxFailedRequests, outOfRotationBeforeExit: true or maxTerminationTime");
        }
    }

    private void abort(List<AbortCondition> conditions, Duration run) {
        for (int i = 0; i < conditions.size(); i++) {
            AbortCondition c = conditions.get(i);
            Pointer at = spec.field("abort").index(i);
            positive(at.field("for"), c.sustainedFor());
            if (c.sustainedFor().compareTo(run) >= 0) {
                add(
                        at.field("for"),
                        "a condition sustained for %s can never trip in a %s run"
                                .formatted(Durations.format(c.sustainedFor()), Durations.format(run)));
            }
            if (c.condition() instanceof AbortCondition.ErrorRateAbove rate) {
                percentInRange(at.field("errorRate"), rate.rate());
            }
        }
    }

    private void protectedNamespace(Pointer at, String namespace, Safety safety) {
        if (safety.isProtected(namespace)) {
            add(
                    at,
                    "the namespace %s is protected: Aftershock does not touch it unless spec.safety.allowNamespaces lists it"
                            .formatted(namespace));
        }
    }

    private void percentInRange(Pointer at, Percent percent) {
        if (percent.value() > 100) {
            add(at, "expected a percentage from 0% to 100%, got " + percent);
        }
    }

    private void positive(Pointer at, Duration d) {
        if (d.isZero()) {
            add(at, "must be longer than 0s");
        }
    }

    private void add(Pointer at, String message) {
        findings.add(new Finding(at, message));
    }
}
