package dev.aftershock.kube;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.patch;
import static com.github.tomakehurst.wiremock.client.WireMock.patchRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import dev.aftershock.fault.NodeMarks;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.util.ClientBuilder;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Recovery through API errors (Engine II, behaviour 3): another writer changes the node between our
 * read and our patch (409), the server is briefly unavailable (503); each attempt reads again.
 */
class NodesRecoveryRetryTest {
    private static final NodeMarks.Holder HOLDER = new NodeMarks.Holder("run-a", "cordon", "node-cordon");
    private static final String PATH = "/api/v1/nodes/n1";
    private WireMockServer server;
    private ApiClient client;

    @BeforeEach
    void start() {
        server = new WireMockServer(wireMockConfig().dynamicPort().bindAddress("127.0.0.1"));
        server.start();
        client = new ClientBuilder()
                .setBasePath("http://127.0.0.1:" + server.port())
                .build();
    }

    @AfterEach
    void stop() {
        server.stop();
    }

    private static String node(String resourceVersion) {
        return """
                {"apiVersion":"v1","kind":"Node","metadata":{"name":"n1","resourceVersion":"%s","annotations":{
                "aftershock.dev/run":"run-a","aftershock.dev/was-unschedulable":"false",
                "aftershock.dev/holders":"[{\\"run\\":\\"run-a\\",\\"fault\\":\\"cordon\\",\\"action\\":\\"node-cordon\\"}]"}},
                "spec":{"unschedulable":true}}""".formatted(resourceVersion);
    }

    @Test
    void aConflictAndAnOutageAreRetriedWithAFreshReadEachTime() throws ApiException {
        server.stubFor(get(urlEqualTo(PATH))
                .inScenario("writes")
                .whenScenarioStateIs(Scenario.STARTED)
                .willReturn(aResponse()
                        .withHeader("Content-Type", "application/json")
                        .withBody(node("1")))
                .willSetStateTo("read once"));
        server.stubFor(patch(urlEqualTo(PATH))
                .inScenario("writes")
                .whenScenarioStateIs("read once")
                .willReturn(aResponse()
                        .withStatus(409)
                        .withHeader("Content-Type", "application/json")
                        .withBody("{\"kind\":\"Status\",\"code\":409,\"message\":\"the object has been modified\"}"))
                .willSetStateTo("conflicted"));
        server.stubFor(get(urlEqualTo(PATH))
                .inScenario("writes")
                .whenScenarioStateIs("conflicted")
                .willReturn(aResponse().withStatus(503))
                .willSetStateTo("unavailable"));
        server.stubFor(get(urlEqualTo(PATH))
                .inScenario("writes")
                .whenScenarioStateIs("unavailable")
                .willReturn(aResponse()
                        .withHeader("Content-Type", "application/json")
                        .withBody(node("2"))));
        server.stubFor(patch(urlEqualTo(PATH))
                .inScenario("writes")
                .whenScenarioStateIs("unavailable")
                .withRequestBody(matchingJsonPath(
                        "$.metadata.resourceVersion", com.github.tomakehurst.wiremock.client.WireMock.equalTo("2")))
                .willReturn(aResponse()
                        .withHeader("Content-Type", "application/json")
                        .withBody(node("3"))));

        NodeMarks.Released released = new Nodes(client, new Retrying(Duration.ofSeconds(20))).release("n1", HOLDER);

        assertThat(released.restored()).isTrue();
        server.verify(3, getRequestedFor(urlEqualTo(PATH)));
        server.verify(2, patchRequestedFor(urlEqualTo(PATH)));
        server.verify(
                1,
                patchRequestedFor(urlEqualTo(PATH))
                        .withRequestBody(matchingJsonPath(
                                "$.spec.unschedulable", com.github.tomakehurst.wiremock.client.WireMock.absent()))
                        .withRequestBody(matchingJsonPath(
                                "$.metadata.resourceVersion",
                                com.github.tomakehurst.wiremock.client.WireMock.equalTo("2"))));
    }

    @Test
    void aForbiddenAnswerIsFinalAndAPersistentConflictStopsAtTheDeadline() {
        server.stubFor(get(urlEqualTo(PATH)).willReturn(aResponse().withStatus(403)));
        assertThatThrownBy(() -> new Nodes(client, new Retrying(Duration.ofSeconds(20))).release("n1", HOLDER))
                .isInstanceOf(ApiException.class)
                .satisfies(e -> assertThat(((ApiException) e).getCode()).isEqualTo(403));
        server.verify(1, getRequestedFor(urlEqualTo(PATH)));

        server.resetAll();
        server.stubFor(get(urlEqualTo(PATH))
                .willReturn(aResponse()
                        .withHeader("Content-Type", "application/json")
                        .withBody(node("1"))));
        server.stubFor(patch(urlEqualTo(PATH)).willReturn(aResponse().withStatus(409)));
        long started = System.nanoTime();
        assertThatThrownBy(() -> new Nodes(client, new Retrying(Duration.ofSeconds(1))).release("n1", HOLDER))
                .isInstanceOf(ApiException.class);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
    }
}
