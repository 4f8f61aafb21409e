package dev.aftershock.kube;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.WireMock;
import io.kubernetes.client.informer.ResourceEventHandler;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.util.ClientBuilder;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/**
 * The shared pod watch lists a page at a time and keeps neither managed fields nor kubectl's
 * last-applied copy, of what it listed or of what its watch brings; the watch resumes from the
 * version the paged list was read at.
 */
class PagedListerWatcherTest {
    private static final String PATH = "/api/v1/namespaces/shop/pods";

    private static String pod(String name) {
        return """
                {"metadata":{"name":"%s","namespace":"shop","uid":"%s","resourceVersion":"7",
                 "labels":{"app":"web"},
                 "annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{\\"big\\":1}","team":"shop"},
                 "managedFields":[{"manager":"kubectl","operation":"Update","fieldsType":"FieldsV1","fieldsV1":{}}]},
                 "spec":{"nodeName":"node-1","containers":[{"name":"app","image":"web:1",
                 "volumeMounts":[{"name":"token","mountPath":"/var/run/secrets"}]}],
                 "tolerations":[{"operator":"Exists"}],
                 "volumes":[{"name":"token","projected":{"sources":[]}},{"name":"scratch","emptyDir":{}}]}}""".formatted(name, name).replace("\n", "");
    }

    private static String page(String continueToken, String version, String... names) {
        return "{\"kind\":\"PodList\",\"apiVersion\":\"v1\",\"metadata\":{\"continue\":\"%s\",\"resourceVersion\":\"%s\"},\"items\":[%s]}"
                .formatted(
                        continueToken,
                        version,
                        String.join(
                                ",",
                                java.util.Arrays.stream(names)
                                        .map(PagedListerWatcherTest::pod)
                                        .toList()));
    }

    /** The run's shared watches, against this server as the API server. */
    private static SharedInformers informersOf(WireMockServer server) {
        return new SharedInformers(new ClientBuilder()
                .setBasePath("http://127.0.0.1:" + server.port())
                .setReadTimeout(Duration.ZERO)
                .build());
    }

    /**
     * A pod deleted while the watch was away is told as deleted once the informer lists again: the
     * lightening must pass the informer's marker for it through (it once failed on it, and the pod
     * stayed in the store for good).
     */
    @Test
    void aPodDeletedWhileTheWatchWasAwayIsToldGoneAfterTheRelist() throws Exception {
        WireMockServer server =
                new WireMockServer(wireMockConfig().dynamicPort().bindAddress("127.0.0.1"));
        server.start();
        try (SharedInformers shared = informersOf(server)) {
            server.stubFor(get(urlPathEqualTo(PATH))
                    .inScenario("gap")
                    .whenScenarioStateIs(com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED)
                    .withQueryParam("watch", WireMock.absent())
                    .willSetStateTo("listed")
                    .willReturn(aResponse().withStatus(200).withBody(page("", "41", "web-1", "web-2"))));
            // The watch's version has expired: the informer must list again.
            server.stubFor(get(urlPathEqualTo(PATH))
                    .inScenario("gap")
                    .whenScenarioStateIs("listed")
                    .withQueryParam("watch", WireMock.equalTo("true"))
                    .willSetStateTo("expired")
                    .willReturn(aResponse()
                            .withStatus(200)
                            .withBody("{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\",\"apiVersion\":\"v1\","
                                    + "\"status\":\"Failure\",\"code\":410,\"reason\":\"Expired\","
                                    + "\"message\":\"too old resource version\"}}\n")));
            server.stubFor(get(urlPathEqualTo(PATH))
                    .inScenario("gap")
                    .whenScenarioStateIs("expired")
                    .withQueryParam("watch", WireMock.absent())
                    .willSetStateTo("relisted")
                    .willReturn(aResponse().withStatus(200).withBody(page("", "50", "web-1"))));
            server.stubFor(get(urlPathEqualTo(PATH))
                    .inScenario("gap")
                    .whenScenarioStateIs("relisted")
                    .withQueryParam("watch", WireMock.equalTo("true"))
                    .willReturn(aResponse().withStatus(200).withFixedDelay(200).withBody("")));

            Map<String, Boolean> deleted = new ConcurrentHashMap<>();
            shared.onPods("shop", new ResourceEventHandler<>() {
                @Override
                public void onAdd(V1Pod pod) {}

                @Override
                public void onUpdate(V1Pod before, V1Pod pod) {}

                @Override
                public void onDelete(V1Pod pod, boolean finalStateUnknown) {
                    deleted.put(pod.getMetadata().getName(), finalStateUnknown);
                }
            });
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (deleted.isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }

            assertThat(deleted).containsExactly(Map.entry("web-2", true));
            assertThat(shared.pods("shop").getIndexer().list())
                    .extracting(p -> p.getMetadata().getName())
                    .containsExactly("web-1");
        } finally {
            server.stop();
        }
    }

    @Test
    void thePodWatchListsInPagesKeepsPodsLightAndWatchesFromTheListsVersion() throws Exception {
        WireMockServer server =
                new WireMockServer(wireMockConfig().dynamicPort().bindAddress("127.0.0.1"));
        server.start();
        try (SharedInformers shared = informersOf(server)) {
            server.stubFor(get(urlPathEqualTo(PATH))
                    .withQueryParam("watch", WireMock.absent())
                    .withQueryParam("continue", WireMock.absent())
                    .willReturn(aResponse().withStatus(200).withBody(page("token-2", "41", "web-1", "web-2"))));
            server.stubFor(get(urlPathEqualTo(PATH))
                    .withQueryParam("watch", WireMock.absent())
                    .withQueryParam("continue", WireMock.equalTo("token-2"))
                    .willReturn(aResponse().withStatus(200).withBody(page("", "42", "web-3"))));
            server.stubFor(get(urlPathEqualTo(PATH))
                    .withQueryParam("watch", WireMock.equalTo("true"))
                    .willReturn(aResponse()
                            .withStatus(200)
                            .withBody("{\"type\":\"ADDED\",\"object\":" + pod("web-4") + "}\n")));

            Map<String, V1Pod> told = new ConcurrentHashMap<>();
            shared.onPods("shop", new ResourceEventHandler<>() {
                @Override
                public void onAdd(V1Pod pod) {
                    told.put(pod.getMetadata().getName(), pod);
                }

                @Override
                public void onUpdate(V1Pod before, V1Pod pod) {
                    told.put(pod.getMetadata().getName(), pod);
                }

                @Override
                public void onDelete(V1Pod pod, boolean finalStateUnknown) {}
            });
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (told.size() < 4 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }

            assertThat(told).containsOnlyKeys("web-1", "web-2", "web-3", "web-4");
            assertThat(told.values()).allSatisfy(pod -> {
                assertThat(pod.getMetadata().getManagedFields()).isNullOrEmpty();
                assertThat(pod.getMetadata().getAnnotations()).isEqualTo(Map.of("team", "shop"));
                assertThat(pod.getMetadata().getLabels()).isEqualTo(Map.of("app", "web"));
                assertThat(pod.getSpec().getNodeName()).isEqualTo("node-1");
                // Volumes are read only for whether one is an emptyDir (a drain's question).
                assertThat(pod.getSpec().getVolumes())
                        .extracting(v -> v.getName())
                        .containsExactly("scratch");
                assertThat(ClusterReader.pod(pod).usesEmptyDir()).isTrue();
                assertThat(pod.getSpec().getTolerations()).isNullOrEmpty();
                assertThat(pod.getSpec().getContainers().getFirst().getVolumeMounts())
                        .isNullOrEmpty();
            });
            List<com.github.tomakehurst.wiremock.verification.LoggedRequest> lists = server.findAll(
                    WireMock.getRequestedFor(urlPathEqualTo(PATH)).withQueryParam("watch", WireMock.absent()));
            assertThat(lists).hasSizeGreaterThanOrEqualTo(2).allSatisfy(r -> {
                assertThat(r.queryParameter("limit").firstValue()).isEqualTo(String.valueOf(ClusterReader.PAGE));
                // "0" would let the API server answer from its cache, whole, ignoring the limit.
                assertThat(r.queryParameter("resourceVersion").isPresent()).isFalse();
            });
            assertThat(server.findAll(WireMock.getRequestedFor(urlPathEqualTo(PATH))
                                    .withQueryParam("watch", WireMock.equalTo("true")))
                            .getFirst()
                            .queryParameter("resourceVersion")
                            .firstValue())
                    .isEqualTo("42");
        } finally {
            server.stop();
        }
    }
}
