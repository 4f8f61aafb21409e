package dev.aftershock.selection;

import dev.aftershock.model.FaultSpec;
import dev.aftershock.selection.ClusterSnapshot.ContainerView;
import dev.aftershock.selection.ClusterSnapshot.PodView;
import dev.aftershock.selection.ClusterSnapshot.ProbeHandler;
import dev.aftershock.selection.ClusterSnapshot.ProbeView;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * How a probe-failure makes one pod's probe fail while everything else reaching the pod passes, or
 * why it cannot. The node helper answers the probe's packets with a reset: for an HTTP probe the
 * request that names the kubelet ({@code kube-probe/}) and the probe's request line; for a TCP probe
 * the connection opened from the node itself. A rule that would also catch another probe of the pod
 * is refused: failing one probe must not fail another.
 */
public final class ProbeRules {
    /** What the helper matches: an HTTP request line on a port, or a bare connect from the node. */
    public sealed interface Rule {
        String container();

        ProbeView probe();

        int port();
    }

    public record HttpRule(String container, ProbeView probe, int port, String requestLine) implements Rule {}

    public record TcpRule(String container, ProbeView probe, int port) implements Rule {}

    public sealed interface Decision {}

    public record Match(Rule rule) implements Decision {}

    public record Refused(String reason) implements Decision {}

    private ProbeRules() {}

    public static Decision decide(FaultSpec.ProbeFailure f, PodView pod) {
        String word = f.probe().word();
        if (pod.hostNetwork()) {
            return new Refused("it runs on the node's network (hostNetwork): a rule there would catch the node's own"
                    + " traffic");
        }
        List<ContainerView> withProbe = pod.containers().stream()
                .filter(c -> c.probes().containsKey(f.probe()))
                .filter(c -> f.container().map(c.name()::equals).orElse(true))
                .toList();
        if (withProbe.isEmpty()) {
            return new Refused(f.container()
                    .map(c -> pod.containers().stream().anyMatch(x -> x.name().equals(c))
                            ? "its container %s has no %s probe".formatted(c, word)
                            : "it has no container named %s".formatted(c))
                    .orElse("none of its containers has a %s probe".formatted(word)));
        }
        if (withProbe.size() > 1) {
            return new Refused("its containers %s all have a %s probe: name one with container"
                    .formatted(
                            String.join(
                                    ", ",
                                    withProbe.stream().map(ContainerView::name).toList()),
                            word));
        }
        ContainerView container = withProbe.get(0);
        ProbeView probe = container.probes().get(f.probe());
        Rule rule = switch (probe.handler()) {
            case EXEC -> null;
            case GRPC -> null;
            case HTTPS -> null;
            case HTTP -> new HttpRule(container.name(), probe, probe.port(), requestLine(probe));
            case TCP -> new TcpRule(container.name(), probe, probe.port());
        };
        if (rule == null) {
            return new Refused(
                    switch (probe.handler()) {
                        case EXEC ->
                            "the %s probe of %s is an exec probe: it runs inside the container, where no network rule"
                                            .formatted(word, container.name())
                                    + " reaches it";
                        case GRPC ->
                            "the %s probe of %s is a grpc probe: only httpGet and tcpSocket probes can be failed"
                                    .formatted(word, container.name());
                        default ->
                            "the %s probe of %s uses HTTPS: its request is encrypted, so the kubelet's cannot be told"
                                            .formatted(word, container.name())
                                    + " from other clients'";
                    });
        }
        if (!probe.unmatchable().isEmpty()) {
            return new Refused("the %s probe of %s cannot be failed alone: %s"
                    .formatted(word, container.name(), probe.unmatchable()));
        }
        long needs = (long) probe.periodSeconds() * probe.failureThreshold();
        if (f.holdFor().isPresent() && f.holdFor().get().toSeconds() <= needs) {
            return new Refused("for %s ends before the %s probe of %s can fail: it needs %d failures %d s apart"
                    .formatted(
                            dev.aftershock.model.Durations.format(f.holdFor().get()),
                            word,
                            container.name(),
                            probe.failureThreshold(),
                            probe.periodSeconds()));
        }
        if (rule.port() < 0) {
            return new Refused(
                    "the %s probe of %s names a port no container port has".formatted(word, container.name()));
        }
        for (ContainerView c : pod.containers()) {
            for (Map.Entry<FaultSpec.Probe, ProbeView> other : c.probes().entrySet()) {
                boolean same = c == container && other.getKey() == f.probe();
                if (!same && caughtBy(rule, other.getValue())) {
                    return new Refused("the %s probe of %s would fail with it (%s): the rule cannot tell them apart"
                            .formatted(other.getKey().word(), c.name(), describe(other.getValue())));
                }
            }
        }
        return new Match(rule);
    }

    /** The request line the kubelet sends, up to the protocol's minor version. */
    static String requestLine(ProbeView probe) {
        String path = probe.path().startsWith("/") ? probe.path() : "/" + probe.path();
        return "GET " + path + " HTTP/1.";
    }

    /** Whether the rule made for one probe also catches this one. */
    private static boolean caughtBy(Rule rule, ProbeView other) {
        if (other.port() != rule.port()) {
            return false;
        }
        return switch (rule) {
            // Every probe to the port connects from the node.
            case TcpRule t ->
                other.handler() == ProbeHandler.TCP
                        || other.handler() == ProbeHandler.HTTP
                        || other.handler() == ProbeHandler.HTTPS
                        || other.handler() == ProbeHandler.GRPC;
            case HttpRule h ->
                other.handler() == ProbeHandler.HTTP && requestLine(other).startsWith(h.requestLine());
        };
    }

    private static String describe(ProbeView p) {
        return switch (p.handler()) {
            case HTTP, HTTPS -> "%s %s on port %d".formatted(p.handler(), p.path(), p.port());
            case TCP -> "a connect to port " + p.port();
            case GRPC -> "grpc on port " + p.port();
            case EXEC -> "exec";
        };
    }

    /** The first pod the rule cannot be made for, with the reason. */
    public static Optional<String> firstRefusal(FaultSpec.ProbeFailure f, List<PodView> pods) {
        for (PodView p : pods) {
            if (decide(f, p) instanceof Refused r) {
                return Optional.of("pod %s/%s: %s".formatted(p.namespace(), p.name(), r.reason()));
            }
        }
        return Optional.empty();
    }
}
