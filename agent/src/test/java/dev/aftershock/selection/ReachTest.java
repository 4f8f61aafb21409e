package dev.aftershock.selection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aftershock.model.Experiment;
import dev.aftershock.validation.ExperimentLoader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReachTest {
    private static Experiment experiment(String targetNamespace, String faults, String hypotheses) {
        String yaml = """
                apiVersion: aftershock.dev/v1alpha1
                kind: Experiment
                metadata: {name: reach}
                spec:
                  duration: 1m
                  target: {namespace: %s, workload: deployment/web}
                  faults:
                %s
                %s
                """.formatted(targetNamespace, faults, hypotheses);
        var loaded = ExperimentLoader.load("reach.yaml", yaml.getBytes(StandardCharsets.UTF_8));
        assertThat(loaded).isInstanceOf(ExperimentLoader.Loaded.class);
        return ((ExperimentLoader.Loaded) loaded).experiment();
    }

    private static final String NODE_AND_POD_FAULTS = """
                    - {name: cordon, at: 1s, action: node-cordon, nodes: {hosting: target, pick: 1}, for: 10s}
                    - {name: kill, at: 5s, action: pod-kill, pods: {namespace: other, selector: {app: web}}}
                """;

    @Test
    void theWholeClusterRefusesNothing() {
        assertThat(Reach.cluster().refusals(experiment("team-a", NODE_AND_POD_FAULTS, "")))
                .isEmpty();
    }

    @Test
    void aNamespacedReachRefusesNodesAndOtherNamespacesSayingWhy() {
        Experiment e = experiment("team-b", NODE_AND_POD_FAULTS, """
                  hypotheses:
                    - name: nodes-back
                      kube: {readyNodesAtLeast: 3}
                """);

        List<String> refusals = Reach.namespaces(List.of("team-a")).refusals(e);

        assertThat(refusals)
                .hasSize(4)
                .anySatisfy(
                        r -> assertThat(r).contains("target namespace team-b").contains("(team-a)"))
                .anySatisfy(r -> assertThat(r)
                        .contains("fault cordon (node-cordon) acts on nodes")
                        .contains("rbac.scope: cluster"))
                .anySatisfy(r -> assertThat(r).contains("fault kill picks pods in namespace other"))
                .anySatisfy(r -> assertThat(r).contains("hypothesis nodes-back reads the nodes"));
    }

    @Test
    void aNamespacedReachRunsPodFaultsInItsNamespaces() {
        Experiment e =
                experiment("team-a", "    - {name: kill, at: 5s, action: pod-kill, pods: {selector: {app: web}}}", "");

        assertThat(Reach.namespaces(List.of("team-a", "team-b")).refusals(e)).isEmpty();
        assertThat(Reach.namespaces(List.of("team-a")).nodes()).isFalse();
        assertThatThrownBy(() -> Reach.namespaces(List.of())).isInstanceOf(IllegalArgumentException.class);
    }
}
