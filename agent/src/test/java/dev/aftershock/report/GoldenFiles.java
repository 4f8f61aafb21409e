package dev.aftershock.report;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aftershock.validation.RepositoryPaths;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Compares rendered output with files under src/test/resources/golden. Run with
 * -Daftershock.golden.update=true to rewrite them after an intended change, then review the diff.
 */
public final class GoldenFiles {
    private GoldenFiles() {}

    public static void assertMatches(String name, String actual) throws IOException {
        Path golden = RepositoryPaths.root()
                .resolve("agent/src/test/resources/golden")
                .resolve(name);
        if (Boolean.getBoolean("aftershock.golden.update")) {
            Files.createDirectories(golden.getParent());
            Files.writeString(golden, actual);
        }
        assertThat(golden)
                .as("golden file %s (create it with -Daftershock.golden.update=true)", name)
                .exists();
        assertThat(actual).isEqualTo(Files.readString(golden));
    }
}
