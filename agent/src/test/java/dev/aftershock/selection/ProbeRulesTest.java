package dev.aftershock.selection;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aftershock.model.Experiment;
import dev.aftershock.model.FaultSpec;
import dev.aftershock.model.FaultSpec.Probe;
import dev.aftershock.model.Pick;
import dev.aftershock.model.PodSelection;
import dev.aftershock.selection.ClusterSnapshot.ContainerView;
import dev.aftershock.selection.ClusterSnapshot.PodView;
import dev.aftershock.selection.ClusterSnapshot.ProbeHandler;
import dev.aftershock.selection.ClusterSnapshot.ProbeView;
import dev.aftershock.validation.ExperimentLoader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Which probes a probe-failure can make fail alone, and why the others are refused before the run. */
class ProbeRulesTest {
    private static final ProbeView READY = new ProbeView(ProbeHandler.HTTP, 8080, "/ready", 1, 1);
    private static final ProbeView HEALTHZ = new ProbeView(ProbeHandler.HTTP, 8080, "/healthz", 5, 3);

    private static FaultSpec.ProbeFailure failing(Probe probe, Optional<String> container) {
        return new FaultSpec.ProbeFailure(
                "p",
                Duration.ofSeconds(5),
                Optional.empty(),
                new PodSelection("shop", Map.of("app", "checkout"), new Pick.Count(1)),
                probe,
                container);
    }

    private static PodView pod(boolean hostNetwork, ContainerView... containers) {
        return new PodView(
                "shop",
                "checkout-1",
                "uid-1",
                Map.of("app", "checkout"),
                "n1",
                Optional.of("ReplicaSet"),
                false,
                false,
                true,
                false,
                "1",
                hostNetwork,
                List.of(containers));
    }

    private static ContainerView container(String name, Map<Probe, ProbeView> probes) {
        return new ContainerView(name, probes);
    }

    private static String refusal(FaultSpec.ProbeFailure f, PodView pod) {
        assertThat(ProbeRules.decide(f, pod)).isInstanceOf(ProbeRules.Refused.class);
        return ((ProbeRules.Refused) ProbeRules.decide(f, pod)).reason();
    }

    @Test
    void anHttpProbeIsMatchedByItsRequestLineOnItsPort() {
        var decision = ProbeRules.decide(
                failing(Probe.READINESS, Optional.empty()),
                pod(false, container("app", Map.of(Probe.READINESS, READY, Probe.LIVENESS, HEALTHZ))));

        assertThat(decision)
                .isEqualTo(new ProbeRules.Match(new ProbeRules.HttpRule("app", READY, 8080, "GET /ready HTTP/1.")));
    }

    @Test
    void aTcpProbeOnAPortNoOtherProbeUsesIsMatchedAsAConnectFromTheNode() {
        ProbeView tcp = new ProbeView(ProbeHandler.TCP, 9000, "", 2, 3);
        var decision = ProbeRules.decide(
                failing(Probe.LIVENESS, Optional.of("app")),
                pod(false, container("app", Map.of(Probe.LIVENESS, tcp, Probe.READINESS, READY))));

        assertThat(decision).isEqualTo(new ProbeRules.Match(new ProbeRules.TcpRule("app", tcp, 9000)));
    }

    @Test
    void probesNoNetworkRuleCanTellApartAreRefusedWithTheReason() {
        var readiness = failing(Probe.READINESS, Optional.empty());
        assertThat(refusal(
                        readiness,
                        pod(
                                false,
                                container(
                                        "app",
                                        Map.of(Probe.READINESS, new ProbeView(ProbeHandler.EXEC, -1, "", 1, 1))))))
                .contains("exec probe")
                .contains("inside the container");
        assertThat(refusal(
                        readiness,
                        pod(
                                false,
                                container(
                                        "app",
                                        Map.of(Probe.READINESS, new ProbeView(ProbeHandler.GRPC, 9090, "", 1, 1))))))
                .contains("grpc probe");
        assertThat(refusal(
                        readiness,
                        pod(
                                false,
                                container(
                                        "app",
                                        Map.of(Probe.READINESS, new ProbeView(ProbeHandler.HTTPS, 8443, "/r", 1, 1))))))
                .contains("HTTPS")
                .contains("encrypted");
        assertThat(refusal(readiness, pod(true, container("app", Map.of(Probe.READINESS, READY)))))
                .contains("hostNetwork");
        assertThat(refusal(
                        readiness,
                        pod(
                                false,
                                container(
                                        "app",
                                        Map.of(Probe.READINESS, new ProbeView(ProbeHandler.HTTP, -1, "/r", 1, 1))))))
                .contains("names a port no container port has");
    }

    @Test
    void aProbeThatHidesTheKubeletOrAForTooShortForItToFailIsRefused() {
        ProbeView ownAgent = new ProbeView(
                ProbeHandler.HTTP,
                8080,
                "/ready",
                1,
                1,
                "it sets its own User-Agent, so the kubelet's request cannot be told");
        assertThat(refusal(
                        failing(Probe.READINESS, Optional.empty()),
                        pod(false, container("app", Map.of(Probe.READINESS, ownAgent)))))
                .contains("cannot be failed alone: it sets its own User-Agent");
        var quick = new FaultSpec.ProbeFailure(
                "p",
                Duration.ofSeconds(5),
                Optional.of(Duration.ofSeconds(10)),
                new PodSelection("shop", Map.of("app", "checkout"), new Pick.Count(1)),
                Probe.LIVENESS,
                Optional.empty());
        assertThat(refusal(
                        quick,
                        pod(
                                false,
                                container(
                                        "app",
                                        Map.of(
                                                Probe.LIVENESS,
                                                new ProbeView(ProbeHandler.HTTP, 8080, "/healthz", 5, 3))))))
                .contains("for 10s ends before the liveness probe of app can fail: it needs 3 failures 5 s apart");
    }

    @Test
    void aRuleThatWouldFailAnotherProbeTooIsRefused() {
        var liveness = failing(Probe.LIVENESS, Optional.empty());
        assertThat(refusal(
                        liveness, pod(false, container("app", Map.of(Probe.LIVENESS, READY, Probe.READINESS, READY)))))
                .contains("the readiness probe of app would fail with it");
        ProbeView tcp = new ProbeView(ProbeHandler.TCP, 8080, "", 1, 1);
        assertThat(refusal(liveness, pod(false, container("app", Map.of(Probe.LIVENESS, tcp, Probe.READINESS, READY)))))
                .contains("the readiness probe of app would fail with it");
    }

    @Test
    void theContainerMustBeNamedWhenSeveralHaveTheProbeAndMustHaveIt() {
        var pod = pod(
                false,
                container("app", Map.of(Probe.READINESS, READY)),
                container("sidecar", Map.of(Probe.READINESS, new ProbeView(ProbeHandler.HTTP, 9000, "/ready", 1, 1))));

        assertThat(refusal(failing(Probe.READINESS, Optional.empty()), pod))
                .contains("app, sidecar all have a readiness probe: name one with container");
        assertThat(ProbeRules.decide(failing(Probe.READINESS, Optional.of("sidecar")), pod))
                .isInstanceOf(ProbeRules.Match.class);
        assertThat(refusal(failing(Probe.STARTUP, Optional.of("app")), pod)).contains("app has no startup probe");
        assertThat(refusal(failing(Probe.READINESS, Optional.of("web")), pod)).contains("no container named web");
    }

    @Test
    void aSignalToAPodWithSeveralContainersNeedsOneNamedThatExists() {
        var pod = pod(false, container("app", Map.of()), container("sidecar", Map.of()));

        assertThat(Planner.containerRefusal(Optional.empty(), pod))
                .hasValueSatisfying(
                        why -> assertThat(why).contains("containers app, sidecar: name one with container"));
        assertThat(Planner.containerRefusal(Optional.of("web"), pod))
                .hasValueSatisfying(why -> assertThat(why).contains("no container named web (it has app, sidecar)"));
        assertThat(Planner.containerRefusal(Optional.of("sidecar"), pod)).isEmpty();
        assertThat(Planner.containerRefusal(Optional.empty(), pod(false, container("app", Map.of()))))
                .isEmpty();
        PodView jobPod = new PodView(
                "shop",
                "job-1",
                "uid-2",
                Map.of(),
                "n1",
                Optional.of("Job"),
                false,
                false,
                true,
                false,
                "1",
                false,
                List.of(container("app", Map.of())),
                false,
                "Never");
        assertThat(Planner.containerRefusal(Optional.empty(), jobPod))
                .hasValueSatisfying(why -> assertThat(why).contains("restartPolicy is Never"));
        PodView shared = new PodView(
                "shop",
                "s-1",
                "uid-3",
                Map.of(),
                "n1",
                Optional.of("ReplicaSet"),
                false,
                false,
                true,
                false,
                "1",
                false,
                List.of(container("app", Map.of())),
                true,
                "Always");
        assertThat(Planner.containerRefusal(Optional.empty(), shared))
                .hasValueSatisfying(why -> assertThat(why).contains("share a process namespace"));
    }

    @Test
    void thePlanRefusesARunWhosePodsCannotHaveTheirProbeFailed() {
        String yaml = """
                apiVersion: aftershock.dev/v1alpha1
                kind: Experiment
                metadata: {name: t}
                spec:
                  duration: 1m
                  target: {namespace: shop, workload: deployment/checkout}
                  faults:
                    - {name: unready, at: 5s, for: 10s, action: probe-failure, probe: readiness, pods: {selector: {app: checkout}}}
                """;
        Experiment experiment = ((ExperimentLoader.Loaded)
                        ExperimentLoader.load("t.yaml", yaml.getBytes(StandardCharsets.UTF_8)))
                .experiment();
        ClusterSnapshot cluster = new ClusterSnapshot(
                List.of(new ClusterSnapshot.NodeView("n1", Map.of(), true, true, false, "1")),
                List.of(pod(
                        false,
                        container("app", Map.of(Probe.READINESS, new ProbeView(ProbeHandler.EXEC, -1, "", 1, 1))))),
                List.of(),
                Optional.empty());

        Plan plan = Planner.plan(experiment, cluster, 1);

        assertThat(plan.refusals())
                .singleElement()
                .asString()
                .contains("fault unready cannot fail the readiness probe of pod shop/checkout-1")
                .contains("exec probe");
    }
}
