package dev.aftershock.chart;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aftershock.report.GoldenFiles;
import dev.aftershock.testbed.Helm;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * The chart, checked by the real Helm CLI without a cluster: lint, the values schema, and what it
 * renders for a few value sets (golden files under src/test/resources/golden/chart-*.yaml).
 */
class HelmChartTest {
    private static final String NS = "aftershock";

    @Test
    void lintsStrictlyInBothScopes() {
        assertThat(Helm.run("lint", "--strict", Helm.CHART.toString()).orThrow().stdout())
                .contains("0 chart(s) failed");
        assertThat(Helm.run(
                                "lint",
                                "--strict",
                                Helm.CHART.toString(),
                                "--set",
                                "rbac.scope=namespaced,rbac.namespaces={team-a}")
                        .orThrow()
                        .stdout())
                .contains("0 chart(s) failed");
    }

    @Test
    void rendersAsTheGoldenFilesSay() throws Exception {
        GoldenFiles.assertMatches("chart-default.yaml", Helm.template(NS));
        GoldenFiles.assertMatches(
                "chart-namespaced.yaml",
                Helm.template(NS, "--set", "rbac.scope=namespaced,rbac.namespaces={team-a,team-b}"));
        GoldenFiles.assertMatches(
                "chart-persistent-with-experiments.yaml",
                Helm.template(
                        NS,
                        "--set",
                        "persistence.enabled=true,persistence.storageClass=fast,image.tag=0.1.0-test",
                        "--set-file",
                        "experiments.quickstart\\.yaml="
                                + Helm.CHART
                                        .resolve("../../experiments/quickstart.yaml")
                                        .normalize()));
    }

    @Test
    void badValuesAreRefusedWithTheirPath() {
        Helm.Result replicas = Helm.run("template", "x", Helm.CHART.toString(), "--set", "replicas=abc");
        assertThat(replicas.exitCode()).isNotZero();
        assertThat(replicas.stderr()).contains("replicas").contains("integer");
        Helm.Result twoOnOneNodesVolume =
                Helm.run("template", "x", Helm.CHART.toString(), "--set", "replicas=2,persistence.enabled=true");
        assertThat(twoOnOneNodesVolume.exitCode()).isNotZero();
        assertThat(twoOnOneNodesVolume.stderr()).contains("persistence.accessMode=ReadWriteMany");
        Helm.Result scope = Helm.run("template", "x", Helm.CHART.toString(), "--set", "rbac.scope=everything");
        assertThat(scope.exitCode()).isNotZero();
        assertThat(scope.stderr()).contains("/rbac/scope").contains("'cluster', 'namespaced'");
        Helm.Result typo = Helm.run("template", "x", Helm.CHART.toString(), "--set", "persistance.enabled=true");
        assertThat(typo.exitCode()).isNotZero();
        assertThat(typo.stderr()).contains("persistance");
    }

    @Test
    void aNamespacedInstallHasNothingClusterScoped() {
        List<Map<String, Object>> objects =
                objects(Helm.template(NS, "--set", "rbac.scope=namespaced,rbac.namespaces={team-a}"));
        assertThat(objects).extracting(o -> o.get("kind")).doesNotContain("ClusterRole", "ClusterRoleBinding");
        // Every object lives in a namespace, and the agent's rules are in the release's and team-a.
        assertThat(objects)
                .allSatisfy(o -> assertThat(metadata(o).get("namespace")).isNotNull());
        assertThat(objects.stream()
                        .filter(o -> o.get("kind").equals("Role")
                                && metadata(o).get("name").equals("aftershock-targets"))
                        .map(o -> metadata(o).get("namespace")))
                .containsExactlyInAnyOrder(NS, "team-a");
        assertThat(deploymentArgs(objects))
                .contains("--rbac-scope=namespaced", "--target-namespaces=aftershock,team-a");
    }

    @Test
    void schedulesAndLoadSecretsAreMountedWhereTheAgentLooks() {
        String rendered = Helm.template(
                NS, "--set", "schedules.nightly\\.yaml=kind: Schedule,loadSecrets.secretName=load-tokens");
        List<Map<String, Object>> objects = objects(rendered);
        assertThat(rendered).contains("secretName: load-tokens").contains("mountPath: /etc/aftershock/load-secrets");
        assertThat(objects).anySatisfy(o -> assertThat(metadata(o).get("name")).isEqualTo("aftershock-schedules"));
        assertThat(deploymentArgs(objects)).contains("--schedules-dir=/etc/aftershock/schedules");
        assertThat(objects(Helm.template(NS)))
                .noneSatisfy(o -> assertThat(metadata(o).get("name")).isEqualTo("aftershock-schedules"));
    }

    @Test
    void theServiceSendsCallersToTheElectedReplicaOnly() {
        List<Map<String, Object>> objects = objects(Helm.template(NS, "--set", "replicas=2"));
        assertThat(deploymentArgs(objects)).contains("--leader-election");
        Map<String, Object> service = objects.stream()
                .filter(o -> o.get("kind").equals("Service"))
                .findFirst()
                .orElseThrow();
        assertThat(map(map(service, "spec"), "selector")).containsEntry("aftershock.dev/leader", "true");
        // The agent labels its own pod: patch on pods, in its own namespace only.
        assertThat(Helm.template(NS, "--set", "replicas=2"))
                .contains("resourceNames: [aftershock-run-lock, aftershock-agent-leader]")
                .contains("resources: [pods]\n    verbs: [patch]");
        // One replica elects nothing, so it needs no grant on pods and its Service selects it as it is.
        List<Map<String, Object>> single = objects(Helm.template(NS));
        assertThat(deploymentArgs(single)).doesNotContain("--leader-election");
        assertThat(Helm.template(NS)).doesNotContain("resources: [pods]\n    verbs: [patch]");
        assertThat(single)
                .filteredOn(o -> o.get("kind").equals("Service"))
                .singleElement()
                .satisfies(s -> assertThat(map(map(s, "spec"), "selector")).doesNotContainKey("aftershock.dev/leader"));
    }

    @Test
    void nodeHelpersAreOffUnlessEnabledAndThenTheAgentMayCreatePodsOnlyInTheirNamespace() {
        List<Map<String, Object>> off = objects(Helm.template(NS));
        assertThat(deploymentArgs(off)).noneMatch(a -> a.startsWith("--helper-"));
        // The report's memory charts and node-memory-pressure's sizing read the pods' use: list, no more.
        assertThat(Helm.template(NS))
                .contains("- apiGroups: [metrics.k8s.io]\n    resources: [pods]\n    verbs: [list]")
                .contains(
                        "- apiGroups: [autoscaling.k8s.io]\n    resources: [verticalpodautoscalers]\n    verbs: [list, watch]")
                .contains("- apiGroups: [\"\"]\n    resources: [events]\n    verbs: [create, list, watch]");
        assertThat(off).noneSatisfy(o -> assertThat(metadata(o).get("name")).isEqualTo("aftershock-helpers"));

        List<Map<String, Object>> on = objects(Helm.template(
                NS, "--set", "helpers.enabled=true,helpers.image.tag=0.1.0-abc,helpers.namespace=shock-helpers"));
        assertThat(deploymentArgs(on))
                .contains("--helper-image=aftershock.local/helper:0.1.0-abc", "--helper-namespace=shock-helpers");
        assertThat(on)
                .filteredOn(o ->
                        o.get("kind").equals("Role") && metadata(o).get("name").equals("aftershock-helpers"))
                .singleElement()
                .satisfies(role -> {
                    assertThat(metadata(role).get("namespace")).isEqualTo("shock-helpers");
                    assertThat(role.get("rules").toString())
                            .contains("create")
                            .contains("patch")
                            .contains("delete");
                });
        // A namespace of their own and the image's tag are required: the release's namespace must stay restricted.
        Helm.Result noNamespace = Helm.run(
                "template", "x", Helm.CHART.toString(), "--set", "helpers.enabled=true,helpers.image.tag=0.1.0-abc");
        assertThat(noNamespace.exitCode()).isNotZero();
        assertThat(noNamespace.stderr()).contains("helpers.namespace is required");
        Helm.Result own = Helm.run(
                "template",
                "x",
                Helm.CHART.toString(),
                "--namespace",
                NS,
                "--set",
                "helpers.enabled=true,helpers.image.tag=0.1.0-abc,helpers.namespace=" + NS);
        assertThat(own.exitCode()).isNotZero();
        assertThat(own.stderr()).contains("must not be the release's namespace");
        Helm.Result noTag =
                Helm.run("template", "x", Helm.CHART.toString(), "--set", "helpers.enabled=true,helpers.namespace=h");
        assertThat(noTag.exitCode()).isNotZero();
        assertThat(noTag.stderr()).contains("helpers.image.tag is required");
    }

    @Test
    void loadInjectorsAreOffUnlessEnabledAndThenRunTheAgentsImageInTheirNamespace() {
        List<Map<String, Object>> off = objects(Helm.template(NS));
        assertThat(deploymentArgs(off)).noneMatch(a -> a.startsWith("--injector-"));
        assertThat(off).noneSatisfy(o -> assertThat(metadata(o).get("name")).isEqualTo("aftershock-injectors"));

        List<Map<String, Object>> on =
                objects(Helm.template(NS, "--set", "injectors.enabled=true,image.tag=0.1.0-abc"));
        assertThat(deploymentArgs(on))
                .contains("--injector-image=aftershock.local/agent:0.1.0-abc", "--injector-namespace=" + NS);
        assertThat(on)
                .filteredOn(o ->
                        o.get("kind").equals("Role") && metadata(o).get("name").equals("aftershock-injectors"))
                .singleElement()
                .satisfies(role -> {
                    assertThat(metadata(role).get("namespace")).isEqualTo(NS);
                    assertThat(role.get("rules").toString())
                            .isEqualTo("[{apiGroups=[], resources=[pods], verbs=[create, get, list, delete]},"
                                    + " {apiGroups=[], resources=[pods/log], verbs=[get]},"
                                    + " {apiGroups=[], resources=[secrets], verbs=[create, list, delete]}]");
                });
        List<Map<String, Object>> elsewhere =
                objects(Helm.template(NS, "--set", "injectors.enabled=true,injectors.namespace=load"));
        assertThat(deploymentArgs(elsewhere)).contains("--injector-namespace=load");
    }

    @Test
    void patchingWorkloadsForRolloutRestartIsGrantedOnlyWhenAskedFor() {
        assertThat(Helm.template(NS))
                .contains("resources: [deployments, statefulsets]\n    verbs: [get, list, watch]\n");
        assertThat(Helm.template(NS, "--set", "faults.rolloutRestart=true"))
                .contains("resources: [deployments, statefulsets]\n    verbs: [get, list, watch, patch]\n");
    }

    @Test
    void theAgentAndTheTestPodMeetTheRestrictedProfile() {
        List<Map<String, Object>> objects = objects(Helm.template(NS));
        List<Map<String, Object>> podSpecs = new ArrayList<>();
        for (Map<String, Object> o : objects) {
            if (o.get("kind").equals("Deployment") || o.get("kind").equals("Job")) {
                podSpecs.add(map(map(map(o, "spec"), "template"), "spec"));
            } else if (o.get("kind").equals("Pod")) {
                podSpecs.add(map(o, "spec"));
            }
        }
        assertThat(podSpecs).as("the agent, the helm test, the pre-delete hook").hasSize(3);
        for (Map<String, Object> spec : podSpecs) {
            Map<String, Object> pod = map(spec, "securityContext");
            assertThat(pod).containsEntry("runAsNonRoot", true);
            assertThat(map(pod, "seccompProfile")).containsEntry("type", "RuntimeDefault");
            for (Object c : (List<?>) spec.get("containers")) {
                @SuppressWarnings("unchecked")
                Map<String, Object> container = map((Map<String, Object>) c, "securityContext");
                assertThat(container)
                        .containsEntry("allowPrivilegeEscalation", false)
                        .containsEntry("readOnlyRootFilesystem", true);
                assertThat(map(container, "capabilities")).containsEntry("drop", List.of("ALL"));
            }
        }
    }

    @Test
    void notesWarnWhenRecordsDieWithThePod() {
        String ephemeral = Helm.run("install", "x", Helm.CHART.toString(), "--dry-run=client", "--namespace", NS)
                .orThrow()
                .stdout();
        assertThat(ephemeral).contains("WARNING: persistence is off").contains("port-forward");
        String kept = Helm.run(
                        "install",
                        "x",
                        Helm.CHART.toString(),
                        "--dry-run=client",
                        "--namespace",
                        NS,
                        "--set",
                        "persistence.enabled=true")
                .orThrow()
                .stdout();
        assertThat(kept).doesNotContain("WARNING");
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> objects(String rendered) {
        List<Map<String, Object>> objects = new ArrayList<>();
        for (Object o : new Yaml().loadAll(rendered)) {
            if (o != null) {
                objects.add((Map<String, Object>) o);
            }
        }
        return objects;
    }

    private static List<String> deploymentArgs(List<Map<String, Object>> objects) {
        Map<String, Object> deployment = objects.stream()
                .filter(o -> o.get("kind").equals("Deployment"))
                .findFirst()
                .orElseThrow();
        @SuppressWarnings("unchecked")
        Map<String, Object> agent = (Map<String, Object>) ((List<?>)
                        map(map(map(deployment, "spec"), "template"), "spec").get("containers"))
                .get(0);
        return ((List<?>) agent.get("args")).stream().map(Objects::toString).toList();
    }

    private static Map<String, Object> metadata(Map<String, Object> o) {
        return map(o, "metadata");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Map<String, Object> o, String key) {
        return (Map<String, Object>) Objects.requireNonNull(o.get(key), key);
    }
}
