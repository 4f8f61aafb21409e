package dev.aftershock.kube;

import dev.aftershock.model.FaultSpec;
import dev.aftershock.selection.ClusterSnapshot;
import io.kubernetes.client.custom.IntOrString;
import io.kubernetes.client.openapi.models.V1Container;
import io.kubernetes.client.openapi.models.V1ContainerPort;
import io.kubernetes.client.openapi.models.V1PodSpec;
import io.kubernetes.client.openapi.models.V1Probe;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/** A pod spec's containers, their probes (with the defaults the API server fills in) and memory limits. */
final class ProbeViews {
    private ProbeViews() {}

    static List<ClusterSnapshot.ContainerView> containers(V1PodSpec spec) {
        List<ClusterSnapshot.ContainerView> views = new ArrayList<>();
        for (V1Container c : spec.getContainers() == null ? List.<V1Container>of() : spec.getContainers()) {
            Map<FaultSpec.Probe, ClusterSnapshot.ProbeView> probes = new EnumMap<>(FaultSpec.Probe.class);
            put(probes, FaultSpec.Probe.READINESS, c.getReadinessProbe(), c);
            put(probes, FaultSpec.Probe.LIVENESS, c.getLivenessProbe(), c);
            put(probes, FaultSpec.Probe.STARTUP, c.getStartupProbe(), c);
            var limit = c.getResources() == null || c.getResources().getLimits() == null
                    ? null
                    : c.getResources().getLimits().get("memory");
            views.add(new ClusterSnapshot.ContainerView(
                    c.getName(),
                    probes,
                    limit == null
                            ? java.util.OptionalLong.empty()
                            : java.util.OptionalLong.of(limit.getNumber().longValue())));
        }
        return views;
    }

    private static void put(
            Map<FaultSpec.Probe, ClusterSnapshot.ProbeView> probes, FaultSpec.Probe kind, V1Probe p, V1Container c) {
        if (p == null) {
            return;
        }
        int period = p.getPeriodSeconds() == null ? 10 : p.getPeriodSeconds();
        int threshold = p.getFailureThreshold() == null ? 3 : p.getFailureThreshold();
        ClusterSnapshot.ProbeView view;
        if (p.getHttpGet() != null) {
            boolean https = "HTTPS".equalsIgnoreCase(p.getHttpGet().getScheme());
            String path =
                    p.getHttpGet().getPath() == null ? "/" : p.getHttpGet().getPath();
            String unmatchable = "";
            if (p.getHttpGet().getHost() != null && !p.getHttpGet().getHost().isBlank()) {
                unmatchable = "it is sent to host " + p.getHttpGet().getHost() + ", not into the pod's network";
            } else if (p.getHttpGet().getHttpHeaders() != null
                    && p.getHttpGet().getHttpHeaders().stream()
                            .anyMatch(h -> "User-Agent".equalsIgnoreCase(h.getName()))) {
                unmatchable = "it sets its own User-Agent, so the kubelet's request cannot be told by kube-probe/";
            }
            view = new ClusterSnapshot.ProbeView(
                    https ? ClusterSnapshot.ProbeHandler.HTTPS : ClusterSnapshot.ProbeHandler.HTTP,
                    port(p.getHttpGet().getPort(), c),
                    path,
                    period,
                    threshold,
                    unmatchable);
        } else if (p.getTcpSocket() != null) {
            view = new ClusterSnapshot.ProbeView(
                    ClusterSnapshot.ProbeHandler.TCP, port(p.getTcpSocket().getPort(), c), "", period, threshold);
        } else if (p.getGrpc() != null) {
            view = new ClusterSnapshot.ProbeView(
                    ClusterSnapshot.ProbeHandler.GRPC, p.getGrpc().getPort(), "", period, threshold);
        } else {
            view = new ClusterSnapshot.ProbeView(ClusterSnapshot.ProbeHandler.EXEC, -1, "", period, threshold);
        }
        probes.put(kind, view);
    }

    /** A number, or the container port of that name; -1 when no port has the name. */
    private static int port(IntOrString port, V1Container c) {
        if (port == null) {
            return -1;
        }
        if (port.isInteger()) {
            return port.getIntValue();
        }
        if (port.getStrValue().matches("[0-9]{1,5}")) {
            // The kubelet takes a number written as a string as that number.
            return Integer.parseInt(port.getStrValue());
        }
        for (V1ContainerPort cp : c.getPorts() == null ? List.<V1ContainerPort>of() : c.getPorts()) {
            if (port.getStrValue().equals(cp.getName())) {
                return cp.getContainerPort();
            }
        }
        return -1;
    }
}
