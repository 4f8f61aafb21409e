package dev.aftershock.load;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aftershock.model.Arrival;
import dev.aftershock.model.LoadProfile;
import java.io.Reader;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The plan file the agent writes for the driver names the headers in which the target says who served. */
class LoadPlanFileTest {
    @Test
    void theServedByHeadersGoToTheDriver(@TempDir Path dir) throws Exception {
        LoadProfile profile = new LoadProfile(
                URI.create("http://web/"),
                "GET",
                Map.of(),
                Optional.empty(),
                Duration.ofSeconds(2),
                List.of(new Arrival.Hold(5, Duration.ofSeconds(10))),
                new LoadProfile.ServedBy("X-Pod", "X-Node", "X-Forwarded-For"));
        Path plan = dir.resolve("plan.properties");

        GatlingLoadDriver.writePlan(profile, profile.url(), Map.of(), 0, plan);

        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(plan)) {
            p.load(r);
        }
        assertThat(p)
                .containsEntry("servedBy.pod", "X-Pod")
                .containsEntry("servedBy.node", "X-Node")
                .containsEntry("servedBy.client", "X-Forwarded-For");
    }
}
