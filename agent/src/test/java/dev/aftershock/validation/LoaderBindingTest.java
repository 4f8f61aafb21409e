package dev.aftershock.validation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aftershock.model.Arrival;
import dev.aftershock.model.Experiment;
import dev.aftershock.model.FaultSpec;
import dev.aftershock.model.Hypothesis;
import dev.aftershock.model.NodeSelection;
import dev.aftershock.model.Pick;
import dev.aftershock.model.Rollback;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** What a valid file binds to: defaults applied, shapes resolved. */
class LoaderBindingTest {
    private static Experiment load(String yaml) {
        var result = ExperimentLoader.load("test.yaml", yaml.getBytes(StandardCharsets.UTF_8));
        assertThat(result).isInstanceOf(ExperimentLoader.Loaded.class);
        return ((ExperimentLoader.Loaded) result).experiment();
    }

    private static final String HEAD = """
            apiVersion: aftershock.dev/v1alpha1
            kind: Experiment
            metadata: {name: t}
            spec:
              duration: 10m
              target: {namespace: shop, workload: deployment/checkout}
            """;

    @Test
    void appliesDefaults() {
        Experiment e = load(HEAD + """
                  faults:
                    - at: 1m
                      action: node-drain
                      nodes: {hosting: target}
                """);
        var drain = (FaultSpec.NodeDrain) e.spec().faults().get(0);
        assertThat(drain.name()).isEqualTo("node-drain-1");
        assertThat(drain.evictionTimeout()).isEqualTo(Duration.ofMinutes(5));
        assertThat(drain.nodes()).isEqualTo(new NodeSelection.HostingTarget(new Pick.Count(1)));
        assertThat(drain.concurrency()).isEqualTo(10);
        assertThat(drain.holdFor()).isEmpty();
        assertThat(e.spec().rollback()).isEqualTo(Rollback.ALWAYS);
        assertThat(e.spec().safety().keepSchedulableNodes()).isEqualTo(1);
    }

    @Test
    void theLoadIsTheAgentsOwnChildUnlessItNamesInjectorsWithTheirResourcesAndPlaces() {
        String load = """
                  load:
                    url: http://checkout.shop.svc:8080/
                    arrivals: [{hold: {rate: 100, for: 1m}}]
                """;
        Experiment local = load(HEAD + load);
        assertThat(local.spec().load().orElseThrow().injectors().inPods()).isFalse();
        Experiment pods = load(HEAD + load + """
                    injectors: 4
                    injectorNodeSelector: {pool: load}
                    injectorResources: {requests: {cpu: "2"}}
                    injectorsOnFaultNodes: true
                """);
        var injectors = pods.spec().load().orElseThrow().injectors();
        assertThat(injectors.inPods()).isTrue();
        assertThat(injectors.count()).isEqualTo(4);
        assertThat(injectors.nodeSelector()).containsEntry("pool", "load");
        assertThat(injectors.requests()).containsExactly(java.util.Map.entry("cpu", "2"));
        // Limits not given: the default memory limit.
        assertThat(injectors.limits()).containsEntry("memory", "1Gi");
        assertThat(injectors.onFaultNodes()).isTrue();
    }

    @Test
    void podKillDefaultsToTheTargetNamespaceAndForceMeansZeroGrace() {
        Experiment e = load(HEAD + """
                  faults:
                    - {at: 1m, action: pod-kill, pods: {selector: {app: c}, pick: all}, force: true}
                """);
        var kill = (FaultSpec.PodKill) e.spec().faults().get(0);
        assertThat(kill.pods().namespace()).isEqualTo("shop");
        assertThat(kill.pods().pick()).isInstanceOf(Pick.All.class);
        assertThat(kill.effectiveGracePeriod()).contains(Duration.ZERO);
    }

    @Test
    void aContainerSignalIsSigtermUnlessNamedAndReachesTheHelperAsKillSpellsIt() {
        Experiment e = load(HEAD + """
                  faults:
                    - {at: 1m, action: container-signal, pods: {selector: {app: c}}}
                    - {at: 2m, action: container-signal, pods: {selector: {app: c}}, signal: SIGHUP}
                    - {at: 3m, action: container-signal, pods: {selector: {app: c}}, signal: SIGINT}
                """);
        assertThat(e.spec().faults())
                .extracting(f -> ((FaultSpec.ContainerSignal) f).signal().shortName())
                .containsExactly("TERM", "HUP", "INT");
    }

    @Test
    void bindsShutdownHypotheses() {
        Experiment e = load(HEAD + """
                  faults:
                    - {at: 1m, action: rollout-restart}
                  hypotheses:
                    - name: graceful
                      shutdown: {outOfRotationBeforeExit: true, maxTerminationTime: 30s}
                """);
        var h = (Hypothesis.Shutdown) e.spec().hypotheses().get(0);
        assertThat(h.maxFailedRequests()).isEmpty();
        assertThat(h.outOfRotationBeforeExit()).contains(true);
        assertThat(h.maxTerminationTime()).contains(Duration.ofSeconds(30));
    }

    @Test
    void bindsLoadAndHypotheses() {
        Experiment e = load(HEAD + """
                  load:
                    url: http://c.shop.svc:8080/work
                    arrivals:
                      - ramp: {from: 1, to: 10, over: 1m}
                      - steps: {rates: [10, 20], each: 30s}
                  hypotheses:
                    - {name: lat, slo: {p99: 250ms, errorRate: 0.5%, window: 30s}}
                    - {name: hpa, hpa: {name: c, scaleOutWithin: 90s, maxFlaps: 0}}
                """);
        var load = e.spec().load().orElseThrow();
        assertThat(load.method()).isEqualTo("GET");
        assertThat(load.timeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(load.arrivals().get(1))
                .isEqualTo(new Arrival.Steps(java.util.List.of(10.0, 20.0), Duration.ofSeconds(30)));
        assertThat(load.totalLength()).isEqualTo(Duration.ofMinutes(2));
        var slo = (Hypothesis.Slo) e.spec().hypotheses().get(0);
        assertThat(slo.errorRate().orElseThrow().value()).isEqualTo(0.5);
        var hpa = (Hypothesis.Hpa) e.spec().hypotheses().get(1);
        assertThat(hpa.maxFlaps()).hasValue(0);
    }

    @Test
    void aProtectedNamespaceIsAllowedWhenListed() {
        Experiment e = load(HEAD.replace("namespace: shop", "namespace: kube-system") + """
                  safety: {allowNamespaces: [kube-system]}
                """);
        assertThat(e.spec().target().namespace()).isEqualTo("kube-system");
    }
}
