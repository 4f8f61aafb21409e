package dev.aftershock.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.aftershock.testbed.Helm;
import dev.aftershock.testbed.TargetApps;
import dev.aftershock.testbed.TestCluster;
import dev.aftershock.testbed.Testbed;
import dev.aftershock.testbed.TestbedExtension;
import io.kubernetes.client.openapi.apis.RbacAuthorizationV1Api;
import io.kubernetes.client.openapi.models.AuthenticationV1TokenRequest;
import io.kubernetes.client.openapi.models.RbacV1Subject;
import io.kubernetes.client.openapi.models.V1Namespace;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PolicyRule;
import io.kubernetes.client.openapi.models.V1Role;
import io.kubernetes.client.openapi.models.V1RoleBinding;
import io.kubernetes.client.openapi.models.V1RoleRef;
import io.kubernetes.client.openapi.models.V1ServiceAccount;
import io.kubernetes.client.openapi.models.V1TokenRequestSpec;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The agent's pod dies mid-run (its JVM killed, its pod deleted with grace period 0, while its run has
 * a node cordoned): the
 * Deployment's replacement finds the run in the records its predecessor kept in the cluster
 * (ConfigMaps, not the dead pod's emptyDir), marks it interrupted, and uncordons the node within
 * 30 s of becoming ready; the API shows the run interrupted.
 */
@ExtendWith(TestbedExtension.class)
class AgentRestartE2E {
    private static final String SELECTOR = "app.kubernetes.io/instance=rescue";
    private final TestCluster cluster;
    private final HttpClient http = HttpClient.newHttpClient();

    AgentRestartE2E(TestCluster cluster) {
        this.cluster = cluster;
    }

    @org.junit.jupiter.api.BeforeAll
    static void victim(TestCluster cluster) throws Exception {
        Manifests.deploy(cluster, KwokApps.preferringNode("victim", 2, "kwok-node-2", 2, true), 2);
    }

    /** The chart installed as {@code release} into a new restricted namespace; its API's URL (a NodePort). */
    private String install(String release, String ns) throws Exception {
        String image = Testbed.agentImage();
        cluster.core()
                .createNamespace(new V1Namespace()
                        .metadata(new V1ObjectMeta()
                                .name(ns)
                                .labels(Map.of("pod-security.kubernetes.io/enforce", "restricted"))))
                .execute();
        Helm.Result installed = Helm.run(
                env(),
                "install",
                release,
                Helm.CHART.toString(),
                "--namespace",
                ns,
                "--set",
                "image.repository=" + image.substring(0, image.lastIndexOf(':')) + ",image.tag="
                        + image.substring(image.lastIndexOf(':') + 1) + ",image.pullPolicy=Never",
                "--set",
                "nodeSelector.type=real,service.type=NodePort",
                "--wait",
                "--timeout",
                "4m");
        assertThat(installed.exitCode()).as(installed.stderr()).isZero();
        int nodePort = cluster.core()
                .readNamespacedService(release + "-aftershock", ns)
                .execute()
                .getSpec()
                .getPorts()
                .get(0)
                .getNodePort();
        return "http://" + TargetApps.nodeIp("real-node-1") + ":" + nodePort;
    }

    private List<String> env() {
        return List.of("KUBECONFIG=" + cluster.kubeconfig());
    }

    /** Submits a run that cordons the node hosting "victim" for 150 s; returns its Location. */
    private String submitCordon(String agent, String token, String name) throws Exception {
        HttpResponse<String> accepted = send(
                HttpRequest.newBuilder(URI.create(agent + "/api/v1/runs?file=cordon.yaml"))
                        .POST(HttpRequest.BodyPublishers.ofString("""
                                apiVersion: aftershock.dev/v1alpha1
                                kind: Experiment
                                metadata: {name: %s}
                                spec:
                                  duration: 3m
                                  target: {namespace: %s, workload: deployment/victim}
                                  faults:
                                    - {name: cordon, at: 1s, action: node-cordon, nodes: {hosting: target, pick: 1}, for: 150s}
                                  safety: {maxUnavailable: 1}
                                """.formatted(name, cluster.namespace()))),
                token);
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        await().atMost(Duration.ofSeconds(30)).until(() -> cordoned() == 1);
        return accepted.headers().firstValue("Location").orElseThrow();
    }

    @Test
    void aHelmUninstallDuringARunRecoversItsFaultsBeforeTheAgentExits() throws Exception {
        Manifests.awaitWhole(cluster, "victim", 2);
        String ns = cluster.namespace() + "-leaving";
        try {
            String agent = install("leaving", ns);
            String location = submitCordon(agent, submitter(ns), "uninstalled-cordon");
            Helm.Result uninstalled =
                    Helm.run(env(), "uninstall", "leaving", "--namespace", ns, "--wait", "--timeout", "2m");
            assertThat(uninstalled.exitCode()).as(uninstalled.stderr()).isZero();
            // SIGTERM: the run recovered its cordon before the agent exited, and its record says how it ended.
            assertThat(cordoned()).isZero();
            String id = location.substring(location.lastIndexOf('/') + 1);
            var record = cluster.core()
                    .readNamespacedConfigMap("aftershock-run-" + id, ns)
                    .execute();
            assertThat(record.getData().get("run.json"))
                    .contains("\"state\":\"finished\"")
                    .contains("\"outcome\":\"aborted\"");
        } finally {
            cleanUp("leaving", ns);
        }
    }

    @Test
    void aReplacementAgentRecoversTheRunItsPredecessorDiedIn() throws Exception {
        Manifests.awaitWhole(cluster, "victim", 2);
        String ns = cluster.namespace() + "-agent";
        try {
            String agent = install("rescue", ns);
            String token = submitter(ns);
            String location = submitCordon(agent, token, "orphaned-cordon");

            V1Pod first = agentPods(ns).get(0);
            String firstLog = cluster.core()
                    .readNamespacedPodLog(first.getMetadata().getName(), ns)
                    .execute();
            assertThat(firstLog).as("the first agent's log").contains("at 1s cordon node-cordon");
            // A death with no chance to recover: the kubelet sends SIGTERM even for grace period 0 (and
            // the agent recovers within it), so the agent's JVM is killed first (the real nodes'
            // containers are processes of this machine), then its pod is deleted with grace period 0.
            Testbed.commandOutput("pkill", "-KILL", "-f", "serve --port=8080 .*--namespace=" + ns + " ");
            cluster.core()
                    .deleteNamespacedPod(first.getMetadata().getName(), ns)
                    .gracePeriodSeconds(0)
                    .execute();
            assertThat(cordoned())
                    .as("the node is still cordoned: nobody recovered it")
                    .isEqualTo(1);
            V1Pod replacement = await().atMost(Duration.ofMinutes(3))
                    .pollInterval(Duration.ofMillis(250))
                    .until(
                            () -> agentPods(ns).stream()
                                    .filter(p -> !p.getMetadata()
                                            .getName()
                                            .equals(first.getMetadata().getName()))
                                    .filter(TargetApps::isReady)
                                    .findFirst()
                                    .orElse(null),
                            p -> p != null);
            Instant ready = Instant.now();
            await().atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(250))
                    .until(() -> cordoned() == 0);
            assertThat(Duration.between(ready, Instant.now())).isLessThanOrEqualTo(Duration.ofSeconds(30));

            HttpResponse<String> run =
                    send(HttpRequest.newBuilder(URI.create(agent + location)).GET(), token);
            assertThat(run.body())
                    .as(
                            "the run, as the replacement %s shows it; the first agent's log:%n%s",
                            replacement.getMetadata().getName(), firstLog)
                    .contains("\"state\":\"interrupted\"")
                    .contains("the agent stopped while the run was in progress");
        } finally {
            cleanUp("rescue", ns);
        }
    }

    private void cleanUp(String release, String ns) throws Exception {
        Helm.run(env(), "uninstall", release, "--namespace", ns, "--ignore-not-found", "--wait");
        cluster.core().deleteNamespace(ns).execute();
        // Whatever a failed test left (a cordon and its marks), put back as a user would.
        var out = new java.io.StringWriter();
        int recovered = dev.aftershock.cli.Main.run(
                new java.io.PrintWriter(out),
                new java.io.PrintWriter(out),
                "recover",
                "--kubeconfig",
                cluster.kubeconfig().toString(),
                "--lock-namespace",
                cluster.namespace());
        assertThat(recovered).as(out.toString()).isZero();
    }

    /** A ServiceAccount allowed to create and read runs in the agent's namespace; its token. */
    private String submitter(String ns) throws Exception {
        cluster.core()
                .createNamespacedServiceAccount(
                        ns, new V1ServiceAccount().metadata(new V1ObjectMeta().name("submitter")))
                .execute();
        var rbac = new RbacAuthorizationV1Api(cluster.client());
        rbac.createNamespacedRole(
                        ns,
                        new V1Role()
                                .metadata(new V1ObjectMeta().name("submitter"))
                                .rules(List.of(new V1PolicyRule()
                                        .apiGroups(List.of("aftershock.dev"))
                                        .resources(List.of("runs"))
                                        .verbs(List.of("create", "get")))))
                .execute();
        rbac.createNamespacedRoleBinding(
                        ns,
                        new V1RoleBinding()
                                .metadata(new V1ObjectMeta().name("submitter"))
                                .roleRef(new V1RoleRef()
                                        .apiGroup("rbac.authorization.k8s.io")
                                        .kind("Role")
                                        .name("submitter"))
                                .subjects(List.of(new RbacV1Subject()
                                        .kind("ServiceAccount")
                                        .name("submitter")
                                        .namespace(ns))))
                .execute();
        return cluster.core()
                .createNamespacedServiceAccountToken(
                        "submitter",
                        ns,
                        new AuthenticationV1TokenRequest().spec(new V1TokenRequestSpec().expirationSeconds(3600L)))
                .execute()
                .getStatus()
                .getToken();
    }

    private List<V1Pod> agentPods(String ns) throws Exception {
        return cluster.core().listNamespacedPod(ns).labelSelector(SELECTOR).execute().getItems().stream()
                .filter(p -> p.getMetadata().getDeletionTimestamp() == null)
                .filter(p -> !p.getMetadata().getName().endsWith("-test"))
                .toList();
    }

    private HttpResponse<String> send(HttpRequest.Builder request, String token) throws Exception {
        return http.send(
                request.timeout(Duration.ofSeconds(30))
                        .header("Authorization", "Bearer " + token)
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private long cordoned() throws Exception {
        return cluster.core().listNode().execute().getItems().stream()
                .filter(n -> Boolean.TRUE.equals(n.getSpec().getUnschedulable()))
                .count();
    }
}
