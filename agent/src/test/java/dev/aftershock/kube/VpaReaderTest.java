package dev.aftershock.kube;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.util.ClientBuilder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The VPA as memory-oom reads it: its error paths, and the container's target in its status. */
class VpaReaderTest {
    private static final String VPAS = "/apis/autoscaling.k8s.io/v1/namespaces/shop/verticalpodautoscalers";
    private WireMockServer server;
    private VpaReader reader;

    @BeforeEach
    void start() {
        server = new WireMockServer(wireMockConfig().dynamicPort().bindAddress("127.0.0.1"));
        server.start();
        reader = new VpaReader(new ClientBuilder()
                .setBasePath("http://127.0.0.1:" + server.port())
                .build());
    }

    @AfterEach
    void stop() {
        server.stop();
    }

    @Test
    void aClusterWithoutTheVpaCrdHasNoVpa() throws ApiException {
        server.stubFor(get(urlPathEqualTo(VPAS)).willReturn(aResponse().withStatus(404)));
        assertThat(reader.memoryTarget("shop", Map.of("app", "checkout"), "app"))
                .isEmpty();
    }

    @Test
    void aVpaThatMayNotBeListedIsAnErrorNotNone() {
        server.stubFor(get(urlPathEqualTo(VPAS))
                .willReturn(aResponse()
                        .withStatus(403)
                        .withHeader("Content-Type", "application/json")
                        .withBody("{\"kind\":\"Status\",\"code\":403,\"message\":\"forbidden\"}")));
        assertThatThrownBy(() -> reader.memoryTarget("shop", Map.of("app", "checkout"), "app"))
                .isInstanceOf(ApiException.class);
    }

    @Test
    void aVpaWhoseWorkloadIsGoneOrOfAnotherKindCoversNoPod() throws ApiException {
        server.stubFor(get(urlPathEqualTo(VPAS))
                .willReturn(aResponse()
                        .withHeader("Content-Type", "application/json")
                        .withBody("""
                                {"items":[
                                 {"metadata":{"name":"gone"},"spec":{"targetRef":{"kind":"Deployment","name":"gone"}}},
                                 {"metadata":{"name":"cron"},"spec":{"targetRef":{"kind":"CronJob","name":"c"}}}]}""")));
        server.stubFor(get(urlPathEqualTo("/apis/apps/v1/namespaces/shop/deployments/gone"))
                .willReturn(aResponse().withStatus(404)));
        assertThat(reader.memoryTarget("shop", Map.of("app", "checkout"), "app"))
                .isEmpty();
    }

    @Test
    void theTargetIsTheNamedContainersAndAbsentUntilTheRecommenderWroteOne() {
        Map<String, Object> vpa = Map.of(
                "status",
                Map.of(
                        "recommendation",
                        Map.of(
                                "containerRecommendations",
                                List.of(
                                        Map.of("containerName", "sidecar", "target", Map.of("memory", "64Mi")),
                                        Map.of(
                                                "containerName",
                                                "app",
                                                "target",
                                                Map.of("cpu", "25m", "memory", "262144k"))))));
        assertThat(VpaReader.memoryTargetOf(vpa, "app")).hasValue(262_144_000L);
        assertThat(VpaReader.memoryTargetOf(vpa, "other")).isEmpty();
        assertThat(VpaReader.memoryTargetOf(Map.of("spec", Map.of()), "app")).isEmpty();
    }
}
