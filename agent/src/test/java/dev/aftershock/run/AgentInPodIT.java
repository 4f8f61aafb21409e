package dev.aftershock.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.aftershock.testbed.TargetApps;
import dev.aftershock.testbed.TestCluster;
import dev.aftershock.testbed.Testbed;
import dev.aftershock.testbed.TestbedExtension;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.models.V1ConfigMap;
import io.kubernetes.client.openapi.models.V1ContainerStateTerminated;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1Pod;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The agent's own image, built from this build's jars without a registry, runs in a pod on a real
 * node: it validates experiments there with the same exit codes and file:line:col messages, and plans
 * a run against the API server from inside the cluster as its pod's service account, reaching it
 * through the `kubernetes` Service like any in-cluster client. No kubeconfig in the pod.
 */
@ExtendWith(TestbedExtension.class)
class AgentInPodIT {
    private static final String SERVICE_ACCOUNT = "aftershock-agent";

    private final TestCluster cluster;
    private static String image;

    AgentInPodIT(TestCluster cluster) {
        this.cluster = cluster;
    }

    /**
     * The image holds the JRE at /opt/jre and the system libraries it links, and nothing from the
     * machine that built it: once, a JRE cached under /tmp brought its directories along, and /tmp
     * became root's, where the agent (user 65532) could not write its Vert.x cache and exited 3.
     */
    @Test
    void theImageCarriesNothingOfTheBuildMachinesCacheAndItsUserOwnsItsWritableDirectories(
            @org.junit.jupiter.api.io.TempDir java.nio.file.Path unpacked) throws Exception {
        java.nio.file.Path archive = Testbed.cache().resolve("images/agent.tar");
        Testbed.commandOutput("tar", "-xf", archive.toString(), "-C", unpacked.toString());
        var manifest = new com.google.gson.Gson()
                .fromJson(
                        java.nio.file.Files.readString(unpacked.resolve("manifest.json")),
                        com.google.gson.JsonArray.class);
        List<String> entries = new java.util.ArrayList<>();
        for (var layer : manifest.get(0).getAsJsonObject().getAsJsonArray("Layers")) {
            entries.addAll(Testbed.commandOutput(
                    "tar",
                    "--numeric-owner",
                    "-tvf",
                    unpacked.resolve(layer.getAsString()).toString()));
        }
        String cache = Testbed.cache().toString().substring(1);
        assertThat(entries).noneMatch(e -> e.contains(" " + cache) || e.contains(" ./" + cache));
        for (String writable : List.of("tmp/", "var/lib/aftershock/", "opt/aftershock/reports/")) {
            assertThat(entries)
                    .as(writable + " belongs to the agent's user")
                    .anyMatch(e -> e.startsWith("d")
                            && e.contains(" 65532/65532 ")
                            && (e.endsWith(" " + writable) || e.endsWith(" ./" + writable)));
        }
    }

    @BeforeAll
    static void buildImageAndExperiments(TestCluster cluster) throws Exception {
        image = Testbed.agentImage();
        String ns = cluster.namespace();
        Manifests.deploy(cluster, KwokApps.preferringNode("planned", 2, "kwok-node-1", 5, true), 2);
        Manifests.deploy(cluster, KwokApps.preferringNode("shaken", 2, "kwok-node-2", 2, true), 2);
        cluster.core()
                .createNamespacedConfigMap(
                        ns,
                        new V1ConfigMap()
                                .metadata(new V1ObjectMeta().name("experiments"))
                                .data(Map.of(
                                        "plan.yaml",
                                        """
                                        apiVersion: aftershock.dev/v1alpha1
                                        kind: Experiment
                                        metadata: {name: in-cluster-plan}
                                        spec:
                                          duration: 30s
                                          target: {namespace: %s, workload: deployment/planned}
                                          faults:
                                            - {name: kill, at: 5s, action: pod-kill, pods: {selector: {app: planned}, pick: 1}}
                                          safety: {maxUnavailable: 1}
                                        """.formatted(ns),
                                        "shake.yaml",
                                        """
                                        apiVersion: aftershock.dev/v1alpha1
                                        kind: Experiment
                                        metadata: {name: in-cluster-shake}
                                        spec:
                                          duration: 12s
                                          target: {namespace: %s, workload: deployment/shaken}
                                          faults:
                                            - {name: cordon, at: 1s, action: node-cordon, nodes: {hosting: target, pick: 1}, for: 4s}
                                            - {name: kill, at: 2s, action: pod-kill, pods: {selector: {app: shaken}, pick: 1}}
                                          safety: {maxUnavailable: 1}
                                        """.formatted(ns),
                                        "short-of-strength.yaml",
                                        """
                                        apiVersion: aftershock.dev/v1alpha1
                                        kind: Experiment
                                        metadata: {name: short-of-strength}
                                        spec:
                                          duration: 10s
                                          target: {namespace: %s, workload: deployment/planned}
                                          faults:
                                            - {name: kill, at: 1s, action: pod-kill, pods: {selector: {app: planned}, pick: 1}}
                                          hypotheses:
                                            - name: more-than-there-are
                                              kube: {availableReplicasAtLeast: 10, within: 5s}
                                          safety: {maxUnavailable: 1}
                                        """.formatted(ns),
                                        "broken.yaml",
                                        """
                                        apiVersion: aftershock.dev/v1alpha1
                                        kind: Experiment
                                        metadata: {name: broken}
                                        spec:
                                          duration: soon
                                        """)))
                .execute();
        AgentRbac.bind(cluster, SERVICE_ACCOUNT);
    }

    @AfterAll
    static void removeBinding(TestCluster cluster) throws ApiException {
        AgentRbac.unbind(cluster, SERVICE_ACCOUNT);
    }

    @Test
    void theImageValidatesItsOwnExamples() throws Exception {
        Finished run = runAgent(
                "validate-examples",
                "validate",
                "experiments/quickstart.yaml",
                "experiments/checkout-survives-drain.yaml",
                "experiments/cordon-hosting-nodes.yaml",
                "experiments/rolling-pod-kill.yaml");

        assertThat(run.exitCode()).as(run.log()).isZero();
        assertThat(run.log()).contains("experiments/quickstart.yaml: valid");
        assertThat(run.node()).startsWith("real-node-");
    }

    @Test
    void anInvalidExperimentExitsTwoNamingLineAndColumn() throws Exception {
        Finished run = runAgent("validate-broken", "validate", "/experiments/broken.yaml");

        assertThat(run.exitCode()).as(run.log()).isEqualTo(2);
        assertThat(run.log()).contains("/experiments/broken.yaml:5:13: spec.duration: expected a duration");
    }

    @Test
    void aDryRunFromInsideTheClusterPlansAgainstTheApiServer() throws Exception {
        Finished run = runAgent("dry-run", "run", "--dry-run", "/experiments/plan.yaml");

        assertThat(run.exitCode()).as(run.log()).isZero();
        assertThat(run.log())
                .contains("at 5s kill pod-kill on pod " + cluster.namespace() + "/planned-")
                .contains("dry run: nothing was changed");
    }

    /** A real run needs more than a plan's reads: the ClusterRole must allow every call it makes. */
    @Test
    void aRunFromInsideTheClusterCordonsAndKillsAsItsServiceAccount() throws Exception {
        Finished run = runAgent("shake", "run", "/experiments/shake.yaml");

        assertThat(run.exitCode()).as(run.log()).isZero();
        assertThat(run.log()).doesNotContainIgnoringCase("forbidden");
        String ns = cluster.namespace();
        assertThat(cluster.core().listNamespacedEvent(ns).execute().getItems())
                .as("the agent's event on the pod it killed")
                .anySatisfy(e -> {
                    assertThat(e.getReason()).isEqualTo("AftershockInjected");
                    assertThat(e.getInvolvedObject().getName()).startsWith("shaken-");
                });
        assertThat(cluster.core().listNode().execute().getItems())
                .as("every node schedulable again after the cordon's 4 s")
                .allSatisfy(n -> assertThat(n.getSpec().getUnschedulable()).isNotEqualTo(Boolean.TRUE));
    }

    @Test
    void withoutAServiceAccountTokenNorAKubeconfigItSaysWhatItNeeds() throws Exception {
        Finished run = runAgent("no-access", false, "run", "--dry-run", "/experiments/plan.yaml");

        assertThat(run.exitCode()).as(run.log()).isEqualTo(2);
        assertThat(run.log()).contains("no kubeconfig").contains("or run in a pod with a service account");
    }

    /**
     * The image as a CI job runs it: `run` with a kubeconfig mounted from a Secret (no service
     * account token in the pod), and the CLI's exit codes: 1 for a hypothesis that did not hold.
     */
    @Test
    void aRunWithAMountedKubeconfigExitsAsTheCliDoes() throws Exception {
        String ns = cluster.namespace();
        String token = cluster.core()
                .createNamespacedServiceAccountToken(
                        SERVICE_ACCOUNT,
                        ns,
                        new io.kubernetes.client.openapi.models.AuthenticationV1TokenRequest()
                                .spec(new io.kubernetes.client.openapi.models.V1TokenRequestSpec()
                                        .expirationSeconds(600L)))
                .execute()
                .getStatus()
                .getToken();
        // The API server as pods reach it: the `kubernetes` Service (the testbed has no cluster DNS).
        String server = "https://"
                + cluster.core()
                        .readNamespacedService("kubernetes", "default")
                        .execute()
                        .getSpec()
                        .getClusterIP()
                + ":443";
        String kubeconfig = """
                apiVersion: v1
                kind: Config
                clusters:
                  - name: testbed
                    cluster: {server: "%s", certificate-authority-data: %s}
                users:
                  - name: ci
                    user: {token: "%s"}
                contexts:
                  - name: ci
                    context: {cluster: testbed, user: ci}
                current-context: ci
                """.formatted(server, testbedCa(), token);
        cluster.core()
                .createNamespacedSecret(
                        ns,
                        new io.kubernetes.client.openapi.models.V1Secret()
                                .metadata(new V1ObjectMeta().name("ci-kubeconfig"))
                                .stringData(Map.of("config", kubeconfig)))
                .execute();

        Finished run = runAgent(
                "ci-kubeconfig",
                false,
                true,
                "run",
                "/experiments/short-of-strength.yaml",
                "--kubeconfig",
                "/kube/config");

        assertThat(run.exitCode()).as(run.log()).isEqualTo(1);
        assertThat(run.log()).contains("more-than-there-are").doesNotContain(token);
    }

    /** The testbed's CA, from the kubeconfig the tests use. */
    private String testbedCa() throws Exception {
        String config = java.nio.file.Files.readString(cluster.kubeconfig());
        var matcher =
                java.util.regex.Pattern.compile("certificate-authority: (\\S+)").matcher(config);
        assertThat(matcher.find())
                .as("the testbed kubeconfig names its CA file")
                .isTrue();
        return java.util.Base64.getEncoder()
                .encodeToString(java.nio.file.Files.readAllBytes(java.nio.file.Path.of(matcher.group(1))));
    }

    /** What a finished agent container left: its exit code, its log, the node it ran on. */
    private record Finished(int exitCode, String log, String node) {}

    private Finished runAgent(String name, String... args) throws ApiException {
        return runAgent(name, true, args);
    }

    private Finished runAgent(String name, boolean serviceAccountToken, String... args) throws ApiException {
        return runAgent(name, serviceAccountToken, false, args);
    }

    private Finished runAgent(String name, boolean serviceAccountToken, boolean kubeconfig, String... args)
            throws ApiException {
        V1Pod pod = TargetApps.podFrom("""
                apiVersion: v1
                kind: Pod
                metadata: {name: %s}
                spec:
                  restartPolicy: Never
                  nodeSelector: {type: real}
                  serviceAccountName: %s
                  # The kubelet refuses to start an image whose user is root: the agent's is not.
                  securityContext: {runAsNonRoot: true}
                  containers:
                    - name: agent
                      image: %s
                      imagePullPolicy: Never
                      resources: {limits: {memory: 768Mi}}
                      volumeMounts:
                        - {name: experiments, mountPath: /experiments}
                  volumes:
                    - {name: experiments, configMap: {name: experiments}}
                """.formatted(name, SERVICE_ACCOUNT, image));
        pod.getSpec().getContainers().get(0).args(List.of(args));
        pod.getSpec().automountServiceAccountToken(serviceAccountToken);
        if (kubeconfig) {
            pod.getSpec()
                    .addVolumesItem(new io.kubernetes.client.openapi.models.V1Volume()
                            .name("kubeconfig")
                            .secret(new io.kubernetes.client.openapi.models.V1SecretVolumeSource()
                                    .secretName("ci-kubeconfig")));
            pod.getSpec()
                    .getContainers()
                    .get(0)
                    .addVolumeMountsItem(new io.kubernetes.client.openapi.models.V1VolumeMount()
                            .name("kubeconfig")
                            .mountPath("/kube")
                            .readOnly(true));
        }
        String ns = cluster.namespace();
        cluster.core().createNamespacedPod(ns, pod).execute();

        V1Pod done = await().atMost(Duration.ofSeconds(120))
                .pollInterval(Duration.ofMillis(500))
                .until(
                        () -> cluster.core().readNamespacedPod(name, ns).execute(),
                        p -> terminated(p).isPresent());
        String log = cluster.core().readNamespacedPodLog(name, ns).execute();
        return new Finished(
                terminated(done).orElseThrow().getExitCode(),
                log,
                done.getSpec().getNodeName());
    }

    private static Optional<V1ContainerStateTerminated> terminated(V1Pod pod) {
        return Optional.ofNullable(pod.getStatus())
                .map(s -> s.getContainerStatuses())
                .filter(statuses -> !statuses.isEmpty())
                .map(statuses -> statuses.get(0).getState())
                .map(state -> state.getTerminated());
    }
}
