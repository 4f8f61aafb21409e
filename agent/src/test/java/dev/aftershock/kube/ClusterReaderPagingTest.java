package dev.aftershock.kube;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.WireMock;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import dev.aftershock.selection.ClusterSnapshot;
import io.kubernetes.client.util.ClientBuilder;
import org.junit.jupiter.api.Test;

/** A large namespace is read a page at a time, and every page's pods come back. */
class ClusterReaderPagingTest {
    private static String page(String continueToken, String... names) {
        StringBuilder items = new StringBuilder();
        for (String name : names) {
            items.append(items.isEmpty() ? "" : ",")
                    .append("{\"metadata\":{\"name\":\"%s\",\"namespace\":\"shop\",\"uid\":\"%s\"}}"
                            .formatted(name, name));
        }
        return "{\"kind\":\"PodList\",\"apiVersion\":\"v1\",\"metadata\":{\"continue\":\"%s\"},\"items\":[%s]}"
                .formatted(continueToken, items);
    }

    @Test
    void aContinueTokenThatExpiredStartsTheListAgainAndARepeatedOneIsAnError() throws Exception {
        WireMockServer server =
                new WireMockServer(wireMockConfig().dynamicPort().bindAddress("127.0.0.1"));
        server.start();
        try {
            String path = "/api/v1/namespaces/shop/pods";
            server.stubFor(get(urlPathEqualTo(path))
                    .inScenario("expiry")
                    .whenScenarioStateIs(Scenario.STARTED)
                    .withQueryParam("continue", WireMock.absent())
                    .willReturn(aResponse().withStatus(200).withBody(page("old", "web-1"))));
            server.stubFor(get(urlPathEqualTo(path))
                    .inScenario("expiry")
                    .whenScenarioStateIs(Scenario.STARTED)
                    .withQueryParam("continue", WireMock.equalTo("old"))
                    .willSetStateTo("relisted")
                    .willReturn(aResponse().withStatus(410).withBody("{\"kind\":\"Status\",\"code\":410}")));
            server.stubFor(get(urlPathEqualTo(path))
                    .inScenario("expiry")
                    .whenScenarioStateIs("relisted")
                    .withQueryParam("continue", WireMock.absent())
                    .willReturn(aResponse().withStatus(200).withBody(page("new", "web-1"))));
            server.stubFor(get(urlPathEqualTo(path))
                    .inScenario("expiry")
                    .whenScenarioStateIs("relisted")
                    .withQueryParam("continue", WireMock.equalTo("new"))
                    .willReturn(aResponse().withStatus(200).withBody(page("", "web-2"))));
            ClusterReader reader = new ClusterReader(new ClientBuilder()
                    .setBasePath("http://127.0.0.1:" + server.port())
                    .build());
            assertThat(reader.pods("shop"))
                    .extracting(ClusterSnapshot.PodView::name)
                    .containsExactly("web-1", "web-2");

            server.resetAll();
            server.stubFor(get(urlPathEqualTo(path))
                    .willReturn(aResponse().withStatus(200).withBody(page("same", "web-1"))));
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> reader.pods("shop"))
                    .hasMessageContaining("repeated");
        } finally {
            server.stop();
        }
    }

    @Test
    void everyPageIsReadWithTheLimitAndTheServersContinueToken() throws Exception {
        WireMockServer server =
                new WireMockServer(wireMockConfig().dynamicPort().bindAddress("127.0.0.1"));
        server.start();
        try {
            server.stubFor(get(urlPathEqualTo("/api/v1/namespaces/shop/pods"))
                    .withQueryParam("continue", WireMock.absent())
                    .willReturn(aResponse().withStatus(200).withBody(page("token-2", "web-1", "web-2"))));
            server.stubFor(get(urlPathEqualTo("/api/v1/namespaces/shop/pods"))
                    .withQueryParam("continue", WireMock.equalTo("token-2"))
                    .willReturn(aResponse().withStatus(200).withBody(page("", "web-3"))));
            ClusterReader reader = new ClusterReader(new ClientBuilder()
                    .setBasePath("http://127.0.0.1:" + server.port())
                    .build());

            assertThat(reader.pods("shop"))
                    .extracting(ClusterSnapshot.PodView::name)
                    .containsExactly("web-1", "web-2", "web-3");
            assertThat(server.getAllServeEvents())
                    .hasSize(2)
                    .allSatisfy(e -> assertThat(
                                    e.getRequest().queryParameter("limit").firstValue())
                            .isEqualTo(String.valueOf(ClusterReader.PAGE)));
        } finally {
            server.stop();
        }
    }
}
