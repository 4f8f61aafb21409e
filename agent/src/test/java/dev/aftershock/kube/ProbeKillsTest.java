package dev.aftershock.kube;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubernetes.client.openapi.models.CoreV1Event;
import io.kubernetes.client.openapi.models.V1ObjectReference;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/** The kubelet's Killing Events, as the run's watch tells a probe's kill from a deletion's stop. */
class ProbeKillsTest {
    private static final Instant BEGUN = Instant.parse("2026-11-29T10:00:00Z");

    private static CoreV1Event killing(String pod, String message, Instant last) {
        return new CoreV1Event()
                .reason("Killing")
                .message(message)
                .involvedObject(new V1ObjectReference().kind("Pod").name(pod))
                .lastTimestamp(OffsetDateTime.ofInstant(last, ZoneOffset.UTC));
    }

    @Test
    void aLivenessOrStartupKillOfATargetPodIsOne() {
        assertThat(ProbeKills.of(
                        killing(
                                "web-a",
                                "Container app failed liveness probe, will be restarted",
                                BEGUN.plusSeconds(5)),
                        BEGUN,
                        pod -> true))
                .hasValueSatisfying(k -> {
                    assertThat(k.pod()).isEqualTo("web-a");
                    assertThat(k.container()).isEqualTo("app");
                    assertThat(k.probe()).isEqualTo("liveness");
                });
        assertThat(ProbeKills.of(
                                killing(
                                        "web-a",
                                        "Container sidecar failed startup probe, will be restarted",
                                        BEGUN.plusSeconds(5)),
                                BEGUN,
                                pod -> true)
                        .map(ProbeKills.Kill::probe))
                .hasValue("startup");
    }

    @Test
    void aDeletionsStopAnotherPodsKillAndAKillFromBeforeTheRunAreNot() {
        assertThat(ProbeKills.of(killing("web-a", "Stopping container app", BEGUN.plusSeconds(5)), BEGUN, pod -> true))
                .isEmpty();
        String liveness = "Container app failed liveness probe, will be restarted";
        assertThat(ProbeKills.of(killing("other", liveness, BEGUN.plusSeconds(5)), BEGUN, pod -> pod.equals("web-a")))
                .isEmpty();
        assertThat(ProbeKills.of(killing("web-a", liveness, BEGUN.minusSeconds(60)), BEGUN, pod -> true))
                .isEmpty();
        assertThat(ProbeKills.of(
                        killing("web-a", liveness, BEGUN.plusSeconds(5)).reason("Unhealthy"), BEGUN, pod -> true))
                .isEmpty();
    }
}
