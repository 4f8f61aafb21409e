package dev.aftershock.kube;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.WireMock;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.aftershock.model.Experiment;
import dev.aftershock.selection.ClusterSnapshot;
import dev.aftershock.selection.Reach;
import dev.aftershock.validation.ExperimentLoader;
import io.kubernetes.client.util.ClientBuilder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 18: planning asks the API server only for the pods it needs, with the API's selectors, and
 * never lists every pod of the cluster. (The API server's answers are canned: what is checked is the
 * requests ClusterReader makes, and the snapshot it builds from the answers.)
 */
class ClusterReaderQueriesTest {
    private WireMockServer server;

    @BeforeEach
    void start() {
        server = new WireMockServer(wireMockConfig().dynamicPort().bindAddress("127.0.0.1"));
        server.start();
        server.stubFor(get(urlPathEqualTo("/apis/apps/v1/namespaces/shop/deployments/checkout"))
                .willReturn(json("""
                        {"kind":"Deployment","apiVersion":"apps/v1","metadata":{"name":"checkout","namespace":"shop"},
                         "spec":{"replicas":2,"selector":{"matchLabels":{"app":"checkout"}},
                                 "template":{"metadata":{"labels":{"app":"checkout"}},"spec":{"containers":[]}}}}""")));
        server.stubFor(
                get(urlPathEqualTo("/api/v1/nodes")).willReturn(json(list("NodeList", node("n1") + "," + node("n2")))));
        server.stubFor(get(urlPathEqualTo("/apis/policy/v1/poddisruptionbudgets"))
                .willReturn(json(list("PodDisruptionBudgetList", ""))));
        server.stubFor(get(urlPathEqualTo("/apis/policy/v1/namespaces/shop/poddisruptionbudgets"))
                .willReturn(json(list("PodDisruptionBudgetList", ""))));
        server.stubFor(get(urlPathEqualTo("/api/v1/namespaces/shop/pods"))
                .withQueryParam("labelSelector", WireMock.equalTo("app=checkout"))
                .willReturn(json(list("PodList", pod("shop", "checkout-b", "checkout", "n1")))));
        server.stubFor(get(urlPathEqualTo("/api/v1/pods"))
                .withQueryParam("fieldSelector", WireMock.equalTo("spec.nodeName=n1"))
                .willReturn(json(list(
                        "PodList",
                        pod("shop", "checkout-b", "checkout", "n1") + "," + pod("shop", "cart-a", "cart", "n1") + ","
                                + pod("other", "x", "x", "n1")))));
    }

    @AfterEach
    void stop() {
        server.stop();
    }

    @Test
    void aDrainReadsTheTargetsPodsByLabelsThenThePodsOfItsNodesByField() throws Exception {
        Experiment drain = experiment(
                "    - {name: d, at: 1m, action: node-drain, nodes: {hosting: target, pick: 1}, force: true}");
        ClusterSnapshot snapshot = reader().snapshot(drain, Reach.cluster(), Set.of("shop"), 1);

        // Every pod on the drained node, once each, in namespace and name order (as one list gives them).
        assertThat(snapshot.pods())
                .extracting(p -> p.namespace() + "/" + p.name())
                .containsExactly("other/x", "shop/cart-a", "shop/checkout-b");
        List<LoggedRequest> podLists = server.findAll(WireMock.getRequestedFor(WireMock.urlPathMatching(".*/pods")));
        // The target's pods a page at a time; the node's few whole, which the API server answers
        // from its watch cache by its node index.
        assertThat(podLists)
                .extracting(LoggedRequest::getUrl)
                .containsExactlyInAnyOrder(
                        "/api/v1/namespaces/shop/pods?labelSelector=app%3Dcheckout&limit=500",
                        "/api/v1/pods?fieldSelector=spec.nodeName%3Dn1");
    }

    @Test
    void aNamespacedReachReadsOnlyItsNamespacesPodsAndBudgets() throws Exception {
        Experiment kill = experiment(
                "    - {name: k, at: 1m, action: pod-kill, pods: {selector: {app: checkout}, pick: 1}, force: true}");
        ClusterSnapshot snapshot = reader().snapshot(kill, Reach.namespaces(Set.of("shop")), Set.of("shop"), 1);

        assertThat(snapshot.pods()).extracting(ClusterSnapshot.PodView::name).containsExactly("checkout-b");
        assertThat(snapshot.nodes()).isEmpty();
        assertThat(server.getAllServeEvents())
                .extracting(e -> e.getRequest().getUrl())
                .noneMatch(url -> url.startsWith("/api/v1/pods") || url.startsWith("/api/v1/nodes"))
                .noneMatch(url -> url.startsWith("/apis/policy/v1/poddisruptionbudgets"));
    }

    private ClusterReader reader() {
        return new ClusterReader(new ClientBuilder()
                .setBasePath("http://127.0.0.1:" + server.port())
                .build());
    }

    private static Experiment experiment(String faults) {
        String yaml = """
                apiVersion: aftershock.dev/v1alpha1
                kind: Experiment
                metadata: {name: t}
                spec:
                  duration: 10m
                  target: {namespace: shop, workload: deployment/checkout}
                  faults:
                %s
                  safety: {maxUnavailable: 100%%, allowNamespaces: [other]}
                """.formatted(faults);
        var result = ExperimentLoader.load("t.yaml", yaml.getBytes(StandardCharsets.UTF_8));
        return ((ExperimentLoader.Loaded) result).experiment();
    }

    private static com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder json(String body) {
        return aResponse()
                .withStatus(200)
                .withHeader("Content-Type", "application/json")
                .withBody(body);
    }

    private static String list(String kind, String items) {
        return "{\"kind\":\"%s\",\"apiVersion\":\"v1\",\"metadata\":{},\"items\":[%s]}".formatted(kind, items);
    }

    private static String node(String name) {
        return """
                {"metadata":{"name":"%s","resourceVersion":"1"},"status":{"conditions":[{"type":"Ready","status":"True"}]}}""".formatted(name);
    }

    private static String pod(String namespace, String name, String app, String node) {
        return """
                {"metadata":{"name":"%s","namespace":"%s","uid":"%s","labels":{"app":"%s"},
                  "ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"rs","uid":"rs","controller":true}]},
                 "spec":{"nodeName":"%s","containers":[]},
                 "status":{"phase":"Running","conditions":[{"type":"Ready","status":"True"}]}}""".formatted(name, namespace, name, app, node);
    }
}
