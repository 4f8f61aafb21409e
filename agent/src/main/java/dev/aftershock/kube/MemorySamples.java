package dev.aftershock.kube;

import io.kubernetes.client.Metrics;
import io.kubernetes.client.custom.ContainerMetrics;
import io.kubernetes.client.custom.PodMetrics;
import io.kubernetes.client.custom.Quantity;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.models.V1Container;
import io.kubernetes.client.openapi.models.V1Pod;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The CPU and memory of a namespace's target containers as the metrics API last measured it (one
 * list of the namespace's pod metrics), with each container's memory request and limit from its
 * pod's spec.
 */
final class MemorySamples {
    record Sample(
            String pod,
            String container,
            long cpuMillicores,
            long workingSetBytes,
            long requestBytes,
            long limitBytes) {}

    private final Metrics metrics;
    private final String namespace;

    MemorySamples(ApiClient client, String namespace) {
        this.metrics = new Metrics(client);
        this.namespace = namespace;
    }

    /** {@code target}: the target pod of that name, or empty for any other pod of the namespace. */
    List<Sample> now(Function<String, Optional<V1Pod>> target) throws ApiException {
        List<Sample> samples = new ArrayList<>();
        for (PodMetrics m : metrics.getPodMetrics(namespace).getItems()) {
            Optional<V1Pod> pod = target.apply(m.getMetadata().getName());
            if (pod.isEmpty() || m.getContainers() == null) {
                continue;
            }
            for (ContainerMetrics c : m.getContainers()) {
                Quantity used = c.getUsage() == null ? null : c.getUsage().get("memory");
                Quantity cpu = c.getUsage() == null ? null : c.getUsage().get("cpu");
                if (used == null) {
                    continue;
                }
                Optional<V1Container> spec = pod.get().getSpec() == null
                        ? Optional.empty()
                        : pod.get().getSpec().getContainers().stream()
                                .filter(s -> s.getName().equals(c.getName()))
                                .findFirst();
                samples.add(new Sample(
                        m.getMetadata().getName(),
                        c.getName(),
                        cpu == null
                                ? -1
                                : cpu.getNumber()
                                        .multiply(java.math.BigDecimal.valueOf(1000))
                                        .longValue(),
                        used.getNumber().longValue(),
                        bytes(spec, true),
                        bytes(spec, false)));
            }
        }
        return samples;
    }

    private static long bytes(Optional<V1Container> spec, boolean request) {
        if (spec.isEmpty() || spec.get().getResources() == null) {
            return 0;
        }
        Map<String, Quantity> of = request
                ? spec.get().getResources().getRequests()
                : spec.get().getResources().getLimits();
        Quantity q = of == null ? null : of.get("memory");
        return q == null ? 0 : q.getNumber().longValue();
    }
}
