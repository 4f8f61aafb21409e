package dev.aftershock.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aftershock.evaluation.LoadFrame;
import dev.aftershock.evaluation.Observed;
import dev.aftershock.evaluation.Outcome;
import io.vertx.core.Vertx;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

class AgentMetricsTest {
    @Test
    void metricsAreNamedAftershockAndServedOnTheirPort() throws Exception {
        AgentMetrics metrics = new AgentMetrics();
        metrics.runStarted();
        metrics.requests(LoadFrame.of(new Outcome(0, 12, 200, "p", "n", null), 0));
        metrics.requests(LoadFrame.of(new Outcome(0, 900, 0, null, null, "timeout"), 0));
        metrics.faultInjected("pod-kill");
        metrics.verdict("slo", "passed");
        metrics.hpa(new Observed.HpaStatus(0, "web", 2, 4, 1, 5, "cpu", 80.0, 50.0));

        Vertx vertx = Vertx.vertx();
        try (MetricsServer server = MetricsServer.start(vertx, metrics, "127.0.0.1", 0)) {
            HttpResponse<String> response = HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/metrics"))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());

            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body())
                    .contains("aftershock_runs_active 1.0")
                    .contains("aftershock_requests_total{outcome=\"error\"} 1.0")
                    .contains("aftershock_requests_total{outcome=\"ok\"} 1.0")
                    .contains("aftershock_request_latency_seconds_bucket{le=")
                    .contains("aftershock_faults_injected_total{action=\"pod-kill\"} 1.0")
                    .contains("aftershock_hypotheses_total{kind=\"slo\",verdict=\"passed\"} 1.0")
                    .contains("aftershock_hpa_replicas{hpa=\"web\",state=\"desired\"} 4.0");
        } finally {
            vertx.close();
        }
    }
}
