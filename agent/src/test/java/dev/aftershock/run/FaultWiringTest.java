package dev.aftershock.run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aftershock.fault.Fault;
import dev.aftershock.model.FaultSpec;
import dev.aftershock.model.NodeSelection;
import dev.aftershock.model.Pick;
import dev.aftershock.model.PodSelection;
import dev.aftershock.validation.SchemaCheck;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Every action the schema accepts has exactly one fault implementation, and no implementation is spare. */
class FaultWiringTest {
    @Test
    void everySchemaActionHasExactlyOneImplementation() {
        List<String> schemaActions = new ArrayList<>();
        SchemaCheck.schemaTree()
                .at("/$defs/fault/properties/action/enum")
                .forEach(a -> schemaActions.add(a.asString()));
        assertThat(schemaActions)
                .containsExactlyInAnyOrder(java.util.Arrays.stream(FaultSpec.Action.values())
                        .map(FaultSpec.Action::word)
                        .toArray(String[]::new));

        Set<Class<?>> implementations = new HashSet<>();
        for (String word : schemaActions) {
            FaultSpec spec = example(FaultSpec.Action.fromWord(word).orElseThrow());
            Fault fault = dev.aftershock.fault.FaultRegistry.create(spec);
            assertThat(implementations.add(fault.getClass()))
                    .as("%s has an implementation of its own", word)
                    .isTrue();
        }
        assertThat(implementations).hasSize(schemaActions.size());
        assertThat(dev.aftershock.fault.FaultRegistry.entries().keySet())
                .as("the registry lists exactly the actions of the schema")
                .containsExactlyInAnyOrder(FaultSpec.Action.values());
    }

    /** The binder makes every action and every hypothesis kind: the examples use each, bound from YAML. */
    @Test
    void theBinderMakesEveryActionAndKindFromTheExamples() throws Exception {
        Set<FaultSpec.Action> actions = new HashSet<>();
        Set<String> kinds = new HashSet<>();
        try (var files = java.nio.file.Files.list(dev.aftershock.validation.RepositoryPaths.experiments())) {
            for (var file : files.filter(f -> f.toString().endsWith(".yaml")).toList()) {
                var loaded = (dev.aftershock.validation.ExperimentLoader.Loaded)
                        dev.aftershock.validation.ExperimentLoader.load(file);
                loaded.experiment().spec().faults().forEach(f -> actions.add(f.action()));
                loaded.experiment()
                        .spec()
                        .hypotheses()
                        .forEach(h -> kinds.add(dev.aftershock.evaluation.Evaluators.kindOf(h)));
            }
        }
        assertThat(actions).containsExactlyInAnyOrder(FaultSpec.Action.values());
        assertThat(kinds).containsExactlyInAnyOrderElementsOf(dev.aftershock.evaluation.Evaluators.KINDS);
    }

    @Test
    void everySchemaHypothesisKindHasAnEvaluator() {
        List<String> kinds = new ArrayList<>();
        SchemaCheck.schemaTree()
                .at("/$defs/hypothesis/properties")
                .propertyNames()
                .forEach(k -> {
                    if (!k.equals("name")) {
                        kinds.add(k);
                    }
                });
        assertThat(kinds).containsExactlyInAnyOrderElementsOf(dev.aftershock.evaluation.Evaluators.KINDS);
    }

    private static FaultSpec example(FaultSpec.Action action) {
        NodeSelection nodes = new NodeSelection.ByNames(List.of("n1"));
        return switch (action) {
            case NODE_CORDON -> new FaultSpec.NodeCordon("c", Duration.ZERO, Optional.empty(), nodes);
            case NODE_DRAIN ->
                new FaultSpec.NodeDrain(
                        "d",
                        Duration.ZERO,
                        Optional.empty(),
                        nodes,
                        Duration.ofMinutes(1),
                        Optional.empty(),
                        false,
                        false,
                        10);
            case POD_KILL ->
                new FaultSpec.PodKill(
                        "k",
                        Duration.ZERO,
                        new PodSelection("ns", Map.of("a", "b"), new Pick.All()),
                        Optional.empty(),
                        false,
                        Optional.empty());
            case ROLLOUT_RESTART -> new FaultSpec.RolloutRestart("r", Duration.ZERO);
            case NODE_MEMORY_PRESSURE ->
                new FaultSpec.NodeMemoryPressure(
                        "p",
                        Duration.ZERO,
                        Optional.empty(),
                        nodes,
                        new dev.aftershock.model.Percent(110),
                        FaultSpec.MemoryOom.DEFAULT_RATE,
                        "ns");
            case MEMORY_OOM ->
                new FaultSpec.MemoryOom(
                        "m",
                        Duration.ZERO,
                        Optional.empty(),
                        new PodSelection("ns", Map.of("a", "b"), new Pick.All()),
                        Optional.empty(),
                        FaultSpec.MemoryOom.DEFAULT_RATE,
                        false);
            case CONTAINER_SIGNAL ->
                new FaultSpec.ContainerSignal(
                        "s",
                        Duration.ZERO,
                        new PodSelection("ns", Map.of("a", "b"), new Pick.All()),
                        Optional.empty(),
                        FaultSpec.Signal.SIGTERM);
            case PROBE_FAILURE ->
                new FaultSpec.ProbeFailure(
                        "p",
                        Duration.ZERO,
                        Optional.empty(),
                        new PodSelection("ns", Map.of("a", "b"), new Pick.All()),
                        FaultSpec.Probe.READINESS,
                        Optional.empty());
        };
    }
}
