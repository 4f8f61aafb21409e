package dev.aftershock.testbed;

import static org.awaitility.Awaitility.await;

import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.models.V1Deployment;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1Service;
import io.kubernetes.client.util.Yaml;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The target service (load/target-service) on the testbed's real nodes: pod templates with the
 * downward API, probes and optional lifecycle settings, a NodePort Service, and a plain HTTP client
 * for what the tests send to it (only to the testbed's own node and pod networks).
 */
public final class TargetApps {
    public static final List<String> REAL_NODES = List.of("real-node-1", "real-node-2");

    /** This machine's address on the real nodes' bridge: the client a pod sees when nothing rewrites it. */
    public static final String MACHINE_ON_BRIDGE = "10.201.0.1";
    /** Where pods write lifecycle events through a hostPath volume, readable after the pod is gone. */
    public static final Path EVENTS_ROOT = Path.of("/var/lib/aftershock-testbed/test-events");

    private TargetApps() {}

    public static String nodeIp(String realNode) {
        return "10.201.0." + (10 + Integer.parseInt(realNode.substring(realNode.lastIndexOf('-') + 1)));
    }

    /** A pod template for the target; every with- method returns a changed copy. */
    public record Template(
            String name,
            String nodeSelector,
            String resources,
            Map<String, String> env,
            int graceSeconds,
            String preStop,
            boolean spread,
            String eventsDir,
            String probes) {
        static final String DEFAULT_PROBES =
                "readinessProbe: {httpGet: {path: /ready, port: 8080}, periodSeconds: 1, failureThreshold: 1}\n"
                        + "livenessProbe: {httpGet: {path: /healthz, port: 8080}, periodSeconds: 5, initialDelaySeconds: 10}";

        public static Template of(String name) {
            return new Template(
                    name,
                    "{type: real}",
                    "{requests: {cpu: 100m, memory: 96Mi}, limits: {memory: 256Mi}}",
                    Map.of(),
                    30,
                    "",
                    false,
                    "",
                    DEFAULT_PROBES);
        }

        public Template onNode(String node) {
            return new Template(
                    name,
                    "{kubernetes.io/hostname: " + node + "}",
                    resources,
                    env,
                    graceSeconds,
                    preStop,
                    spread,
                    eventsDir,
                    probes);
        }

        public Template resources(String yamlFlow) {
            return new Template(name, nodeSelector, yamlFlow, env, graceSeconds, preStop, spread, eventsDir, probes);
        }

        public Template env(String key, String value) {
            var more = new LinkedHashMap<>(env);
            more.put(key, value);
            return new Template(name, nodeSelector, resources, more, graceSeconds, preStop, spread, eventsDir, probes);
        }

        public Template grace(int seconds) {
            return new Template(name, nodeSelector, resources, env, seconds, preStop, spread, eventsDir, probes);
        }

        /** A preStop HTTP hook on the target's /prestop, which answers after sleepMs. */
        public Template preStopSleeping(int sleepMs) {
            return new Template(
                    name,
                    nodeSelector,
                    resources,
                    env,
                    graceSeconds,
                    "lifecycle: {preStop: {httpGet: {path: \"/prestop?sleepMs=" + sleepMs + "\", port: 8080}}}",
                    spread,
                    eventsDir,
                    probes);
        }

        /** One pod per real node at most (topology spread on the hostname). */
        public Template spreadOverNodes() {
            return new Template(name, nodeSelector, resources, env, graceSeconds, preStop, true, eventsDir, probes);
        }

        /** The container's probes, as YAML lines (readinessProbe: ..., livenessProbe: ...). */
        public Template probes(String yamlLines) {
            return new Template(
                    name, nodeSelector, resources, env, graceSeconds, preStop, spread, eventsDir, yamlLines);
        }

        /** Lifecycle events go to EVENTS_ROOT/dir/POD_NAME.log on the machine. */
        public Template eventsIn(String dir) {
            return new Template(name, nodeSelector, resources, env, graceSeconds, preStop, spread, dir, probes);
        }

        String podSpec(String indent) {
            String envYaml = env.entrySet().stream()
                    .map(e -> "- {name: " + e.getKey() + ", value: \"" + e.getValue() + "\"}")
                    .collect(Collectors.joining("\n"));
            String events = eventsDir.isEmpty() ? "" : "- {name: EVENT_LOG, value: \"/events/$(POD_NAME).log\"}";
            String spec = """
                    nodeSelector: %s
                    terminationGracePeriodSeconds: %d
                    automountServiceAccountToken: false
                    dnsPolicy: Default
                    %s
                    containers:
                    - name: target
                      image: %s
                      imagePullPolicy: Never
                      ports: [{containerPort: 8080}]
                      env:
                      - {name: POD_NAME, valueFrom: {fieldRef: {fieldPath: metadata.name}}}
                      - {name: NODE_NAME, valueFrom: {fieldRef: {fieldPath: spec.nodeName}}}
                    %s
                    %s
                      resources: %s
                    %s
                      %s
                    %s
                    %s
                    """.formatted(
                            nodeSelector,
                            graceSeconds,
                            spread
                                    ? "topologySpreadConstraints: [{maxSkew: 1, topologyKey: kubernetes.io/hostname, whenUnsatisfiable: DoNotSchedule, labelSelector: {matchLabels: {app: "
                                            + name + "}}}]"
                                    : "",
                            Testbed.targetImage(),
                            indentLines(envYaml, "  "),
                            indentLines(events, "  "),
                            resources,
                            indentLines(probes, "  "),
                            preStop,
                            eventsDir.isEmpty() ? "" : "  volumeMounts: [{name: events, mountPath: /events}]",
                            eventsDir.isEmpty()
                                    ? ""
                                    : "volumes: [{name: events, hostPath: {path: " + EVENTS_ROOT.resolve(eventsDir)
                                            + ", type: DirectoryOrCreate}}]");
            return indentLines(spec, indent);
        }
    }

    public static V1Deployment deployment(Template t, int replicas) {
        String yaml = """
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: %1$s}
                spec:
                  replicas: %2$d
                  selector: {matchLabels: {app: %1$s}}
                  template:
                    metadata: {labels: {app: %1$s}}
                    spec:
                %3$s
                """.formatted(t.name(), replicas, t.podSpec("      "));
        return Yaml.loadAs(yaml, V1Deployment.class);
    }

    public static V1Pod pod(Template t) {
        String yaml = """
                apiVersion: v1
                kind: Pod
                metadata: {name: %1$s, labels: {app: %1$s}}
                spec:
                %2$s
                """.formatted(t.name(), t.podSpec("  "));
        return podFrom(yaml);
    }

    /** A pod from its manifest, ready to create. */
    public static V1Pod podFrom(String yaml) {
        V1Pod pod = Yaml.loadAs(yaml, V1Pod.class);
        // The model starts with an empty overhead map, which the API server refuses without a RuntimeClass.
        pod.getSpec().setOverhead(null);
        return pod;
    }

    public static V1Service nodePort(String app, int nodePort, String externalTrafficPolicy) {
        return Yaml.loadAs("""
                apiVersion: v1
                kind: Service
                metadata: {name: %1$s}
                spec:
                  type: NodePort
                  externalTrafficPolicy: %3$s
                  selector: {app: %1$s}
                  ports: [{port: 80, targetPort: 8080, nodePort: %2$d}]
                """.formatted(app, nodePort, externalTrafficPolicy), V1Service.class);
    }

    /** A JSON merge patch of the namespace's Service (its externalTrafficPolicy, say). */
    public static void patchService(TestCluster cluster, String name, String mergePatch) throws ApiException {
        io.kubernetes.client.util.PatchUtils.patch(
                V1Service.class,
                () -> cluster.core()
                        .patchNamespacedService(
                                name, cluster.namespace(), new io.kubernetes.client.custom.V1Patch(mergePatch))
                        .buildCall(null),
                io.kubernetes.client.custom.V1Patch.PATCH_FORMAT_JSON_MERGE_PATCH,
                cluster.client());
    }

    public static void createAndAwaitReady(TestCluster cluster, V1Deployment deployment, Duration within)
            throws ApiException {
        cluster.apps()
                .createNamespacedDeployment(cluster.namespace(), deployment)
                .execute();
        int replicas = deployment.getSpec().getReplicas();
        String name = deployment.getMetadata().getName();
        await().atMost(within).pollInterval(Duration.ofMillis(500)).until(() -> {
            var status = cluster.apps()
                    .readNamespacedDeployment(name, cluster.namespace())
                    .execute()
                    .getStatus();
            return status != null && status.getReadyReplicas() != null && status.getReadyReplicas() == replicas;
        });
    }

    public static V1Pod createAndAwaitReady(TestCluster cluster, V1Pod pod, Duration within) throws ApiException {
        cluster.core().createNamespacedPod(cluster.namespace(), pod).execute();
        String name = pod.getMetadata().getName();
        await().atMost(within)
                .pollInterval(Duration.ofMillis(300))
                .until(() -> isReady(cluster.core()
                        .readNamespacedPod(name, cluster.namespace())
                        .execute()));
        return cluster.core().readNamespacedPod(name, cluster.namespace()).execute();
    }

    public static boolean isReady(V1Pod pod) {
        return pod.getStatus() != null
                && pod.getStatus().getConditions() != null
                && pod.getStatus().getConditions().stream()
                        .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    }

    /** A response from the target, or the reason there was none. */
    public record Answer(int status, String pod, String node, String clientIp, String body, String failure) {
        public boolean answered() {
            return failure == null;
        }
    }

    /** One request on a new connection: kube-proxy decides per connection, so none is reused. */
    public static Answer get(String url, Duration timeout) {
        return send(
                HttpRequest.newBuilder(URI.create(url)).timeout(timeout).GET().build());
    }

    public static Answer post(String url, Duration timeout) {
        return send(HttpRequest.newBuilder(URI.create(url))
                .timeout(timeout)
                .POST(HttpRequest.BodyPublishers.noBody())
                .build());
    }

    private static Answer send(HttpRequest request) {
        // Plain HTTP/1.1, as the load and kube-proxy see it (no h2c upgrade on the connection).
        try (HttpClient http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(2))
                .build()) {
            HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
            return new Answer(
                    r.statusCode(),
                    r.headers().firstValue("X-Aftershock-Pod").orElse(""),
                    r.headers().firstValue("X-Aftershock-Node").orElse(""),
                    r.headers().firstValue("X-Aftershock-Client-Ip").orElse(""),
                    r.body(),
                    null);
        } catch (java.io.IOException e) {
            return new Answer(0, "", "", "", "", e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Answer(0, "", "", "", "", e.toString());
        }
    }

    static String indentLines(String text, String indent) {
        return text.lines().map(l -> l.isBlank() ? "" : indent + l).collect(Collectors.joining("\n"));
    }
}
