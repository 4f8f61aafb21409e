package dev.aftershock.kube;

import dev.aftershock.fault.ClusterOps;
import io.kubernetes.client.Metrics;
import io.kubernetes.client.custom.ContainerMetrics;
import io.kubernetes.client.custom.PodMetrics;
import io.kubernetes.client.custom.Quantity;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1Container;
import io.kubernetes.client.openapi.models.V1Node;
import io.kubernetes.client.openapi.models.V1OwnerReference;
import io.kubernetes.client.openapi.models.V1Pod;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A node's memory for pods, as a memory fault sizes its hog: the node's allocatable memory, what the
 * pods on it request (the kubelet admits a pod only while the requests fit), and what they use by
 * the metrics API (metrics-server's working sets: what the kubelet's eviction counts too).
 */
final class NodeMemoryReader {
    private final CoreV1Api core;
    private final Metrics metrics;

    NodeMemoryReader(ApiClient client) {
        this.core = new CoreV1Api(client);
        this.metrics = new Metrics(client);
    }

    ClusterOps.NodeMemory now(String node) throws ApiException {
        V1Node n = core.readNode(node).execute();
        Quantity allocatable = n.getStatus() == null || n.getStatus().getAllocatable() == null
                ? null
                : n.getStatus().getAllocatable().get("memory");
        List<V1Pod> pods = running(node);
        long requested = pods.stream().mapToLong(NodeMemoryReader::requestBytes).sum();
        OptionalLong used = OptionalLong.empty();
        String why = "";
        try {
            used = OptionalLong.of(usedBytes(pods));
        } catch (ApiException e) {
            why = "the metrics API did not answer: " + StatusMessages.messageOf(e);
        } catch (IllegalStateException e) {
            why = e.getMessage();
        }
        return new ClusterOps.NodeMemory(
                allocatable == null ? 0 : allocatable.getNumber().longValue(),
                requested,
                used,
                why,
                ClusterReader.memoryPressure(n));
    }

    boolean pressure(String node) throws ApiException {
        return ClusterReader.memoryPressure(core.readNode(node).execute());
    }

    List<ClusterOps.PodOnNode> podsOn(String node) throws ApiException {
        return list(node).stream()
                .map(p -> new ClusterOps.PodOnNode(
                        p.getMetadata().getNamespace(),
                        p.getMetadata().getName(),
                        p.getMetadata().getUid(),
                        p.getStatus() == null
                                ? ""
                                : Objects.requireNonNullElse(p.getStatus().getQosClass(), ""),
                        p.getStatus() == null
                                ? ""
                                : Objects.requireNonNullElse(p.getStatus().getPhase(), ""),
                        p.getStatus() == null
                                ? ""
                                : Objects.requireNonNullElse(p.getStatus().getReason(), ""),
                        p.getStatus() == null
                                ? ""
                                : Objects.requireNonNullElse(p.getStatus().getMessage(), ""),
                        requestBytes(p),
                        PodEnds.ran(p),
                        Objects.requireNonNullElse(p.getMetadata().getLabels(), Map.of()),
                        controllerUid(p)))
                .toList();
    }

    Map<String, Long> useOn(String node) throws ApiException {
        Map<String, List<V1Pod>> byNamespace = list(node).stream()
                .collect(Collectors.groupingBy(p -> p.getMetadata().getNamespace()));
        Map<String, Long> use = new java.util.HashMap<>();
        for (var e : byNamespace.entrySet()) {
            Map<String, PodMetrics> measured = measured(e.getKey());
            for (V1Pod p : e.getValue()) {
                PodMetrics m = measured.get(p.getMetadata().getName());
                if (m != null && m.getContainers() != null) {
                    use.put(p.getMetadata().getUid(), workingSet(m));
                }
            }
        }
        return use;
    }

    List<ClusterOps.PodLike> podsLike(String namespace, Map<String, String> labels, String controllerUid)
            throws ApiException {
        String selector = labels.entrySet().stream()
                .map(e -> e.getKey() + "=" + e.getValue())
                .sorted()
                .collect(Collectors.joining(","));
        return core.listNamespacedPod(namespace).labelSelector(selector).execute().getItems().stream()
                .filter(p -> controllerUid.equals(controllerUid(p))
                        && Objects.equals(p.getMetadata().getLabels(), labels))
                .map(p -> new ClusterOps.PodLike(
                        p.getMetadata().getName(),
                        p.getMetadata().getUid(),
                        p.getMetadata().getCreationTimestamp() == null
                                ? java.time.Instant.EPOCH
                                : p.getMetadata().getCreationTimestamp().toInstant(),
                        p.getSpec() == null
                                ? ""
                                : Objects.requireNonNullElse(p.getSpec().getNodeName(), ""),
                        ClusterReader.ready(p),
                        p.getStatus() != null && "Failed".equals(p.getStatus().getPhase())))
                .toList();
    }

    private static String controllerUid(V1Pod p) {
        return Objects.requireNonNullElse(p.getMetadata().getOwnerReferences(), List.<V1OwnerReference>of()).stream()
                .filter(o -> Boolean.TRUE.equals(o.getController()))
                .map(V1OwnerReference::getUid)
                .findFirst()
                .orElse("");
    }

    private Map<String, PodMetrics> measured(String namespace) throws ApiException {
        return metrics.getPodMetrics(namespace).getItems().stream()
                .collect(Collectors.toMap(m -> m.getMetadata().getName(), m -> m, (a, b) -> a));
    }

    private static long workingSet(PodMetrics m) {
        return m.getContainers().stream()
                .map(ContainerMetrics::getUsage)
                .filter(Objects::nonNull)
                .map(u -> u.get("memory"))
                .filter(Objects::nonNull)
                .mapToLong(q -> q.getNumber().longValue())
                .sum();
    }

    private List<V1Pod> list(String node) throws ApiException {
        return core.listPodForAllNamespaces()
                .fieldSelector("spec.nodeName=" + node)
                .execute()
                .getItems();
    }

    /** The pods that hold memory on the node: not finished. */
    private List<V1Pod> running(String node) throws ApiException {
        return list(node).stream()
                .filter(p -> p.getStatus() == null
                        || !Set.of("Succeeded", "Failed").contains(p.getStatus().getPhase()))
                .toList();
    }

    private static long requestBytes(V1Pod p) {
        long sum = 0;
        for (V1Container c : p.getSpec() == null || p.getSpec().getContainers() == null
                ? List.<V1Container>of()
                : p.getSpec().getContainers()) {
            Map<String, Quantity> requests =
                    c.getResources() == null ? null : c.getResources().getRequests();
            if (requests != null && requests.get("memory") != null) {
                sum += requests.get("memory").getNumber().longValue();
            }
        }
        return sum;
    }

    /**
     * The working sets of the node's pods, by namespace (the metrics API lists a namespace's pods);
     * a pod it has no measurement of yet (just started) counts as its request.
     */
    private long usedBytes(List<V1Pod> pods) throws ApiException {
        Map<String, List<V1Pod>> byNamespace =
                pods.stream().collect(Collectors.groupingBy(p -> p.getMetadata().getNamespace()));
        long sum = 0;
        for (var e : byNamespace.entrySet()) {
            Map<String, PodMetrics> measured = measured(e.getKey());
            for (V1Pod p : e.getValue()) {
                PodMetrics m = measured.get(p.getMetadata().getName());
                sum += m == null || m.getContainers() == null ? requestBytes(p) : workingSet(m);
            }
        }
        return sum;
    }
}
