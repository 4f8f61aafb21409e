package dev.aftershock.evaluation;

import dev.aftershock.journal.HypothesisResult;
import dev.aftershock.model.Hypothesis;
import java.util.List;

/**
 * The one place a hypothesis kind meets its evaluator (the compiler checks the switch covers every
 * kind; a test checks the schema lists the same kinds).
 */
public final class Evaluators {
    /** The kinds, as the schema and the journal name them. */
    public static final List<String> KINDS =
            List.of("slo", "hpa", "kube", "prometheus", "shutdown", "memory", "vpa", "nodes", "traffic");

    static final Evaluator<Hypothesis.Slo> SLO = (h, e) -> {
        if (e.load().isEmpty()) {
            return Evaluator.notEvaluated(h, "slo", "no load: the experiment has no load section");
        }
        if (e.loadNotDelivered().isPresent()) {
            return Evaluator.notEvaluated(
                    h,
                    "slo",
                    "the load did not happen as planned: "
                            + e.loadNotDelivered().get());
        }
        return SloEvaluator.judge(h, e.load().get());
    };
    static final Evaluator<Hypothesis.Hpa> HPA = (h, e) -> HpaEvaluator.judge(h, e.cluster(), e.loadRisesMs());
    static final Evaluator<Hypothesis.Kube> KUBE = (h, e) -> KubeStateEvaluator.judge(h, e.cluster(), e.workload());
    static final Evaluator<Hypothesis.Prometheus> PROMETHEUS =
            (h, e) -> PromQlEvaluator.judge(h, e.prometheus().orElse(null), e.runEndMs());
    static final Evaluator<Hypothesis.Shutdown> SHUTDOWN = (h, e) -> ShutdownEvaluator.judge(h, e);
    static final Evaluator<Hypothesis.Memory> MEMORY = (h, e) -> MemoryEvaluator.judge(h, e);
    static final Evaluator<Hypothesis.Vpa> VPA = (h, e) -> VpaEvaluator.judge(h, e);
    static final Evaluator<Hypothesis.Nodes> NODES = (h, e) -> NodesEvaluator.judge(h, e);
    static final Evaluator<Hypothesis.Traffic> TRAFFIC = (h, e) -> TrafficEvaluator.judge(h, e);

    private Evaluators() {}

    public static HypothesisResult judge(Hypothesis h, Evidence evidence) {
        try {
            return switch (h) {
                case Hypothesis.Slo slo -> SLO.judge(slo, evidence);
                case Hypothesis.Hpa hpa -> HPA.judge(hpa, evidence);
                case Hypothesis.Kube kube -> KUBE.judge(kube, evidence);
                case Hypothesis.Prometheus prometheus -> PROMETHEUS.judge(prometheus, evidence);
                case Hypothesis.Shutdown shutdown -> SHUTDOWN.judge(shutdown, evidence);
                case Hypothesis.Memory memory -> MEMORY.judge(memory, evidence);
                case Hypothesis.Vpa vpa -> VPA.judge(vpa, evidence);
                case Hypothesis.Nodes nodes -> NODES.judge(nodes, evidence);
                case Hypothesis.Traffic traffic -> TRAFFIC.judge(traffic, evidence);
            };
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Evaluator.notEvaluated(h, kindOf(h), "interrupted while gathering the evidence");
        }
    }

    public static String kindOf(Hypothesis h) {
        return switch (h) {
            case Hypothesis.Slo slo -> "slo";
            case Hypothesis.Hpa hpa -> "hpa";
            case Hypothesis.Kube kube -> "kube";
            case Hypothesis.Prometheus prometheus -> "prometheus";
            case Hypothesis.Shutdown shutdown -> "shutdown";
            case Hypothesis.Memory memory -> "memory";
            case Hypothesis.Vpa vpa -> "vpa";
            case Hypothesis.Nodes nodes -> "nodes";
            case Hypothesis.Traffic traffic -> "traffic";
        };
    }
}
