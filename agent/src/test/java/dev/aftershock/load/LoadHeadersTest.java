package dev.aftershock.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aftershock.model.HeaderValue;
import dev.aftershock.model.LoadProfile;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LoadHeadersTest {
    @TempDir
    Path dir;

    private static LoadProfile load(String header, HeaderValue value) {
        return new LoadProfile(
                URI.create("http://target:8080/"),
                "GET",
                Map.of(header, value),
                Optional.empty(),
                Duration.ofSeconds(2),
                List.of());
    }

    @Test
    void theAgentReadsLoadSecretsOnlyFromItsSecretsDirectoryAndPrefixedVariables() throws Exception {
        Path secrets = Files.createDirectories(dir.resolve("load-secrets"));
        Files.writeString(secrets.resolve("token"), "s3cret-value\n");
        Files.writeString(dir.resolve("agent-token"), "the-agents-own");
        LoadHeaders.Sources agent = LoadHeaders.Sources.forAgent(secrets);

        assertThat(LoadHeaders.resolve(
                        load("Authorization", new HeaderValue.FromFile(Path.of("token"))), Map.of(), dir, agent))
                .containsEntry("Authorization", "s3cret-value");
        assertThat(LoadHeaders.resolve(
                        load("X-Key", new HeaderValue.FromEnv("AFTERSHOCK_LOAD_KEY")),
                        Map.of("AFTERSHOCK_LOAD_KEY", "k"),
                        dir,
                        agent))
                .containsEntry("X-Key", "k");

        for (Path outside : List.of(dir.resolve("agent-token"), Path.of("../agent-token"))) {
            assertThatThrownBy(() -> LoadHeaders.resolve(
                            load("Authorization", new HeaderValue.FromFile(outside)), Map.of(), dir, agent))
                    .hasMessageContaining("only from files under " + secrets.toAbsolutePath());
        }
        assertThatThrownBy(() -> LoadHeaders.resolve(
                        load("Authorization", new HeaderValue.FromEnv("KUBERNETES_SERVICE_HOST")),
                        Map.of("KUBERNETES_SERVICE_HOST", "10.0.0.1"),
                        dir,
                        agent))
                .hasMessageContaining("only variables named AFTERSHOCK_LOAD_*");
    }

    @Test
    void theCliReadsWhatItsUserCan() throws Exception {
        Files.writeString(dir.resolve("token"), "t");

        assertThat(LoadHeaders.resolve(
                        load("Authorization", new HeaderValue.FromFile(Path.of("token"))),
                        Map.of(),
                        dir,
                        LoadHeaders.Sources.ANY))
                .containsEntry("Authorization", "t");
    }
}
