package dev.aftershock.kube;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aftershock.fault.ClusterOps;
import dev.aftershock.fault.HelperJob;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.models.V1Container;
import io.kubernetes.client.openapi.models.V1EnvVar;
import io.kubernetes.client.openapi.models.V1Pod;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The helper pod as the agent asks for it: where, with what privileges, for how long; and how its words are read. */
class NodeHelpersTest {
    private final NodeHelpers helpers = new NodeHelpers(
            new ApiClient(),
            new NodeHelpers.Settings(Optional.of("aftershock.local/helper:0.1.0-x"), Optional.of("helpers")));

    private static HelperJob job(HelperJob.Mode mode) {
        return new HelperJob(
                "r-1",
                "f",
                "probe-failure",
                mode,
                "shop",
                "checkout-1",
                "uid-1",
                "node-1",
                Map.of("AFTERSHOCK_RULE", "http 8080"),
                Duration.ofSeconds(75));
    }

    private static String env(V1Container c, String name) {
        return c.getEnv().stream()
                .filter(e -> e.getName().equals(name))
                .map(V1EnvVar::getValue)
                .findFirst()
                .orElse(null);
    }

    @Test
    void anInjectionIsAnInitStepThenAHolderOnTheTargetsNodeThatTheKubeletStopsAtTheDeadline() {
        V1Pod pod = helpers.pod(job(HelperJob.Mode.INJECT));

        assertThat(pod.getSpec().getNodeName()).isEqualTo("node-1");
        assertThat(pod.getSpec().getHostPID()).isTrue();
        assertThat(pod.getSpec().getActiveDeadlineSeconds()).isEqualTo(75);
        assertThat(pod.getSpec().getAutomountServiceAccountToken()).isFalse();
        assertThat(pod.getSpec().getInitContainers())
                .extracting(V1Container::getName)
                .containsExactly("inject");
        assertThat(pod.getSpec().getContainers())
                .extracting(V1Container::getName)
                .containsExactly("hold");
        V1Container hold = pod.getSpec().getContainers().get(0);
        assertThat(hold.getSecurityContext().getCapabilities().getAdd())
                .containsExactly("NET_ADMIN", "SYS_ADMIN", "SYS_PTRACE");
        assertThat(hold.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
        assertThat(hold.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
        // The rule's own end: the deadline (plus the grace to revert), so a rule nothing removes stops matching.
        Instant until = Instant.parse(env(hold, "AFTERSHOCK_RULE_UNTIL") + "Z");
        assertThat(until).isBetween(Instant.now().plusSeconds(80), Instant.now().plusSeconds(90));
        assertThat(env(hold, "AFTERSHOCK_TAG")).isEqualTo("aftershock r-1/f");
        assertThat(pod.getSpec().getVolumes()).isEmpty();
        assertThat(pod.getMetadata().getLabels())
                .containsEntry("aftershock.dev/helper", "true")
                .containsEntry("aftershock.dev/run", "r-1")
                .containsEntry("aftershock.dev/fault", "f");
    }

    @Test
    void aSignalHasOnlyTheKillCapabilityAndAScratchVolumeForThePidItSignalled() {
        V1Pod pod = helpers.pod(job(HelperJob.Mode.SIGNAL));

        assertThat(pod.getSpec().getInitContainers())
                .extracting(V1Container::getName)
                .containsExactly("signal");
        assertThat(pod.getSpec().getContainers())
                .extracting(V1Container::getName)
                .containsExactly("await-exit");
        for (V1Container c : List.of(
                pod.getSpec().getInitContainers().get(0),
                pod.getSpec().getContainers().get(0))) {
            assertThat(c.getSecurityContext().getCapabilities().getAdd()).containsExactly("KILL");
            assertThat(c.getVolumeMounts()).extracting(m -> m.getMountPath()).containsExactly("/run/aftershock");
        }
    }

    @Test
    void theNodesTimeIsReadFromTheHelpersWordsAndKeptWithinWhatTheAgentSaw() {
        Instant asked = Instant.parse("2026-11-29T10:00:00Z");
        Instant seen = asked.plusMillis(900);
        long nanos = asked.plusMillis(300).getEpochSecond() * 1_000_000_000L + 300_000_000L;
        var started = new ClusterOps.HelperStarted("h", "p", true, "injected at " + nanos, seen);

        assertThat(NodeHelpers.actedAt(started, asked)).isEqualTo(asked.plusMillis(300));
        assertThat(NodeHelpers.nodeTime("reverted at " + nanos + ": the pod's processes are gone"))
                .contains(asked.plusMillis(300));
        assertThat(NodeHelpers.words("reverted at " + nanos + ": gone")).isEqualTo("reverted: gone");
        // A node clock ahead of the agent's cannot put the injection after the agent saw it.
        var ahead = new ClusterOps.HelperStarted("h", "p", true, "injected at " + (nanos + 5_000_000_000L), seen);
        assertThat(NodeHelpers.actedAt(ahead, asked)).isEqualTo(seen);
    }
}
