package dev.aftershock.kube;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.WireMock;
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
