package dev.aftershock.kube;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.delete;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.kubernetes.client.openapi.JSON;
import io.kubernetes.client.openapi.models.V1DeleteOptions;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1OwnerReference;
import io.kubernetes.client.util.ClientBuilder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PodsTest {
    private static V1ObjectMeta named(String name, String generateName, String controllerKind) {
        V1ObjectMeta meta = new V1ObjectMeta().name(name).generateName(generateName);
        if (controllerKind != null) {
            meta.addOwnerReferencesItem(new V1OwnerReference()
                    .apiVersion(controllerKind.equals("Job") ? "batch/v1" : "apps/v1")
                    .kind(controllerKind)
                    .name("owner")
                    .controller(true));
        }
        return meta;
    }

    @Test
    void onlyANameTheApiServerGeneratedForAReplicaSetDaemonSetOrJobGoesWithoutTheUidPrecondition() {
        assertFalse(Pods.successorMayTakeName(named("web-7d9f8-x2k4q", "web-7d9f8-", "ReplicaSet")));
        assertFalse(Pods.successorMayTakeName(named("agent-q7m2z", "agent-", "DaemonSet")));
        assertFalse(Pods.successorMayTakeName(named("once-8h2kd", "once-", "Job")));
        // The StatefulSet controller sets generateName too, then names the pod by its ordinal.
        assertTrue(Pods.successorMayTakeName(named("db-0", "db-", "StatefulSet")), "a StatefulSet's pod");
        assertTrue(Pods.successorMayTakeName(named("db-12345", "db-", "StatefulSet")), "even one of five digits");
        assertTrue(Pods.successorMayTakeName(named("debug", null, null)), "a pod named by hand");
        V1ObjectMeta custom = named("web-x2k4q", "web-", null)
                .addOwnerReferencesItem(new V1OwnerReference()
                        .apiVersion("example.com/v1")
                        .kind("ReplicaSet")
                        .name("owner")
                        .controller(true));
        assertTrue(Pods.successorMayTakeName(custom), "a custom resource's pods, whatever its kind");
        assertTrue(Pods.successorMayTakeName(named("web-x2k4q", "web-", null)), "no controller");
        assertTrue(
                Pods.successorMayTakeName(named("web-7d9f8-renamed", "web-7d9f8-", "ReplicaSet")),
                "not a generated name");
    }

    @Test
    void aPodTheWatchHasNotSeenKeepsTheUidPrecondition() {
        V1ObjectMeta replicaSets = named("web-7d9f8-x2k4q", "web-7d9f8-", "ReplicaSet");
        assertEquals(Optional.empty(), Pods.uidPrecondition(Optional.of(replicaSets), "u-1"));
        assertEquals(Optional.of("u-1"), Pods.uidPrecondition(Optional.empty(), "u-1"));
        assertEquals(Optional.of("u-2"), Pods.uidPrecondition(Optional.of(named("db-0", "db-", "StatefulSet")), "u-2"));
    }

    @Test
    void withoutAPreconditionTheDeleteHasNoBodyAndItsOptionsInTheQuery() throws Exception {
        WireMockServer server =
                new WireMockServer(wireMockConfig().dynamicPort().bindAddress("127.0.0.1"));
        server.start();
        try {
            server.stubFor(delete(urlPathEqualTo("/api/v1/namespaces/shop/pods/web-1"))
                    .willReturn(aResponse().withStatus(200).withBody("{}")));
            Pods pods = new Pods(new ClientBuilder()
                    .setBasePath("http://127.0.0.1:" + server.port())
                    .build());
            pods.delete("shop", "web-1", Optional.empty(), Optional.of(Duration.ZERO), Optional.empty(), true);
            pods.delete("shop", "web-1", Optional.of("u-1"), Optional.of(Duration.ZERO), Optional.empty(), false);
            var calls = server.getAllServeEvents().stream()
                    .map(e -> e.getRequest())
                    .sorted(java.util.Comparator.comparing(r -> r.getLoggedDate()))
                    .toList();
            assertEquals(2, calls.size());
            assertEquals("0", calls.get(0).queryParameter("gracePeriodSeconds").firstValue());
            assertEquals("All", calls.get(0).queryParameter("dryRun").firstValue());
            assertEquals(0, calls.get(0).getBody().length);
            assertFalse(calls.get(1).queryParameter("gracePeriodSeconds").isPresent());
            assertEquals("u-1", read(calls.get(1).getBody()).getPreconditions().getUid());
        } finally {
            server.stop();
        }
    }

    private static V1DeleteOptions read(byte[] body) {
        return new JSON().deserialize(new String(body, StandardCharsets.UTF_8), V1DeleteOptions.class);
    }

    @Test
    void theHandWrittenBodyIsTheDeleteOptionsTheClientWouldSend() {
        V1DeleteOptions options = read(Pods.deleteOptions("6f1c-uid", Optional.of(Duration.ofSeconds(7)), false));
        assertEquals("v1", options.getApiVersion());
        assertEquals("DeleteOptions", options.getKind());
        assertEquals("6f1c-uid", options.getPreconditions().getUid());
        assertEquals(7L, options.getGracePeriodSeconds());
        assertTrue(options.getDryRun() == null || options.getDryRun().isEmpty());
    }

    @Test
    void thePodsOwnGraceIsLeftOutAndADryRunSaysSo() {
        V1DeleteOptions options = read(Pods.deleteOptions("u", Optional.empty(), true));
        assertNull(options.getGracePeriodSeconds());
        assertEquals(List.of("All"), options.getDryRun());
    }

    @Test
    void aUidIsEscapedNeverSpliced() {
        String hostile = "a\"},\"gracePeriodSeconds\":0,\"x\":{\"y\":\"\\\n";
        assertEquals(
                hostile,
                read(Pods.deleteOptions(hostile, Optional.empty(), false))
                        .getPreconditions()
                        .getUid());
    }
}
