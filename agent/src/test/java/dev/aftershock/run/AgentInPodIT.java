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
import io.kubernetes.client.openapi.models.V1Secret;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The agent's own image, built from this build's jars without a registry, runs in a pod on a real
 * node: it validates experiments there with the same exit codes and file:line:col messages, and plans
 * a run against the API server from inside the cluster.
 */
@ExtendWith(TestbedExtension.class)
class AgentInPodIT {
    /** This machine on the testbed's bridge: where the API server listens for the real nodes. */
    private static final String API_SERVER_ON_BRIDGE = "10.201.0.1";

    private final TestCluster cluster;
    private static String image;

    AgentInPodIT(TestCluster cluster) {
        this.cluster = cluster;
    }

    @BeforeAll
    static void buildImageAndExperiments(TestCluster cluster) throws Exception {
        image = Testbed.agentImage();
        String ns = cluster.namespace();
        Manifests.deploy(cluster, KwokApps.preferringNode("planned", 2, "kwok-node-1", 5, true), 2);
        cluster.core()
                .createNamespacedConfigMap(
                        ns,
                        new V1ConfigMap()
                                .metadata(new V1ObjectMeta().name("experiments"))
                                .data(Map.of("plan.yaml", """
                                        apiVersion: aftershock.dev/v1alpha1
                                        kind: Experiment
                                        metadata: {name: in-cluster-plan}
                                        spec:
                                          duration: 30s
                                          target: {namespace: %s, workload: deployment/planned}
                                          faults:
                                            - {name: kill, at: 5s, action: pod-kill, pods: {selector: {app: planned}, pick: 1}}
                                          safety: {maxUnavailable: 1}
                                        """.formatted(ns), "broken.yaml", """
                                        apiVersion: aftershock.dev/v1alpha1
                                        kind: Experiment
                                        metadata: {name: broken}
                                        spec:
                                          duration: soon
                                        """)))
                .execute();
        // client-java ignores tls-server-name: the pod reaches the API server by a name its
        // certificate carries ("kubernetes"), mapped to the bridge address by hostAliases.
        String kubeconfig = selfContained(Files.readString(cluster.kubeconfig()))
                .replaceAll("server: https://[^:\\s]+:", "server: https://kubernetes:");
        cluster.core()
                .createNamespacedSecret(
                        ns,
                        new V1Secret()
                                .metadata(new V1ObjectMeta().name("kubeconfig"))
                                .data(Map.of("config", kubeconfig.getBytes(StandardCharsets.UTF_8))))
                .execute();
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

    /** The testbed's kubeconfig names certificate files on this machine: the pod gets their contents. */
    private static String selfContained(String kubeconfig) {
        return Pattern.compile("(?m)^(\\s*)(certificate-authority|client-certificate|client-key): (\\S+)$")
                .matcher(kubeconfig)
                .replaceAll(m -> {
                    try {
                        String data = Base64.getEncoder().encodeToString(Files.readAllBytes(Path.of(m.group(3))));
                        return m.group(1) + m.group(2) + "-data: " + data;
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
    }

    /** What a finished agent container left: its exit code, its log, the node it ran on. */
    private record Finished(int exitCode, String log, String node) {}

    private Finished runAgent(String name, String... args) throws ApiException {
        V1Pod pod = TargetApps.podFrom("""
                apiVersion: v1
                kind: Pod
                metadata: {name: %s}
                spec:
                  restartPolicy: Never
                  nodeSelector: {type: real}
                  hostAliases: [{ip: "%s", hostnames: [kubernetes]}]
                  containers:
                    - name: agent
                      image: %s
                      imagePullPolicy: Never
                      env: [{name: KUBECONFIG, value: /kube/config}]
                      resources: {limits: {memory: 768Mi}}
                      volumeMounts:
                        - {name: experiments, mountPath: /experiments}
                        - {name: kubeconfig, mountPath: /kube}
                  volumes:
                    - {name: experiments, configMap: {name: experiments}}
                    - {name: kubeconfig, secret: {secretName: kubeconfig}}
                """.formatted(name, API_SERVER_ON_BRIDGE, image));
        pod.getSpec().getContainers().get(0).args(List.of(args));
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
