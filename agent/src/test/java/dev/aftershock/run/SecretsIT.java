package dev.aftershock.run;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.aftershock.cli.CliRun;
import dev.aftershock.testbed.TestCluster;
import dev.aftershock.testbed.TestbedExtension;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Secrets stay secret (Engine II, behaviour 9): an Authorization header read from a file, an API key
 * written in the experiment, a token in the URL's query. The load sends them (a loopback server
 * checks), and no file the run writes (journal, report, JUnit, the driver's plan and log, the
 * ledger) nor the terminal holds any of them.
 */
@ExtendWith(TestbedExtension.class)
class SecretsIT {
    private static final String BEARER = "file-secret-7d1c9a";
    private static final String API_KEY = "literal-key-5e22f0";
    private static final String QUERY_TOKEN = "query-token-0b9e41";
    private final RunFixture fixture;

    SecretsIT(TestCluster cluster) throws Exception {
        this.fixture = new RunFixture(cluster);
    }

    @AfterEach
    void clear() throws Exception {
        fixture.clearNamespace();
    }

    @Test
    void noOutputOfARunHoldsItsLoadCredentials() throws Exception {
        Manifests.deploy(fixture.cluster, KwokApps.preferringNode("secret", 1, "kwok-node-1", 1, true), 1);
        Set<String> seen = ConcurrentHashMap.newKeySet();
        HttpServer server = LoopbackHttp.start(
                0,
                exchange -> seen.add(exchange.getRequestHeaders().getFirst("Authorization") + " "
                        + exchange.getRequestHeaders().getFirst("X-Api-Key") + " "
                        + exchange.getRequestURI().getQuery()));
        try {
            Files.writeString(fixture.dir.resolve("bearer.txt"), "Bearer " + BEARER + "\n");
            Path experiment = fixture.experiment(
                    "secrets", """
                    apiVersion: aftershock.dev/v1alpha1
                    kind: Experiment
                    metadata: {name: secrets}
                    spec:
                      duration: 12s
                      target: {namespace: NAMESPACE, workload: deployment/secret}
                      load:
                        url: http://127.0.0.1:%d/work?token=%s
                        headers:
                          Authorization: {valueFrom: {file: bearer.txt}}
                          X-Api-Key: %s
                        timeout: 1s
                        arrivals:
                          - hold: {rate: 5, for: 8s}
                      hypotheses:
                        - {name: served, slo: {errorRate: 1%%}}
                    """.formatted(server.getAddress().getPort(), QUERY_TOKEN, API_KEY));

            CliRun run = fixture.run(experiment);

            assertThat(run.exitCode()).as(run.out() + run.err()).isZero();
            assertThat(seen)
                    .as("the load sent the credentials")
                    .contains("Bearer " + BEARER + " " + API_KEY + " token=" + QUERY_TOKEN);
            assertThat(run.out() + run.err()).doesNotContain(BEARER, API_KEY, QUERY_TOKEN);
            List<Path> written;
            try (Stream<Path> files = Files.walk(fixture.dir)) {
                written = files.filter(Files::isRegularFile)
                        .filter(f -> !f.getFileName().toString().equals("bearer.txt")
                                && !f.getFileName().toString().equals("secrets.yaml"))
                        .toList();
            }
            assertThat(written)
                    .extracting(f -> f.getFileName().toString())
                    .contains("journal.json", "report.html", "junit.xml", "plan.properties", "gatling.log");
            for (Path f : written) {
                String text = new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1);
                assertThat(text).as(f.toString()).doesNotContain(BEARER, API_KEY, QUERY_TOKEN);
            }
            assertThat(Files.readString(fixture.out("secrets.yaml").resolve("journal.json")))
                    .contains("[redacted]");
        } finally {
            server.stop(0);
        }
    }
}
