package dev.aftershock.validation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.aftershock.cli.CliRun;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each file under resources/invalid breaks one rule (a few break several) and states, in its
 * leading "# expect:" lines, exactly what `aftershock validate` must print for it.
 */
class InvalidCorpusTest {
    private static final String EXPECT = "# expect: ";

    static Stream<Path> corpus() throws IOException, URISyntaxException {
        Path dir = Path.of(InvalidCorpusTest.class.getResource("/invalid").toURI());
        try (Stream<Path> files = Files.list(dir)) {
            return files.sorted().toList().stream();
        }
    }

    @BeforeAll
    static void warmUp() {
        // Loading the schema once keeps class loading out of the per-file hang guard below.
        SchemaCheck.schemaTree();
        CliRun.of("validate", "no-such-file.yaml");
    }

    @Test
    void coversAtLeastThirtyRules() throws Exception {
        assertThat(corpus()).hasSizeGreaterThanOrEqualTo(30);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("corpus")
    void isRejectedWithTheExpectedPositionsAndMessages(Path file) throws IOException {
        List<String> expected = expectations(file);
        assertThat(expected).as("the file states what is expected").isNotEmpty();

        // A hang guard, not a benchmark: alias bombs and huge files must be refused, not processed.
        CliRun run = assertTimeoutPreemptively(Duration.ofSeconds(1), () -> CliRun.of("validate", file.toString()));

        assertThat(run.exitCode()).isEqualTo(2);
        List<String> printed = run.errLines().stream()
                .filter(line -> line.startsWith(file + ":"))
                .map(line -> line.substring(file.toString().length() + 1))
                .toList();
        assertThat(printed).containsExactlyElementsOf(expected);
        assertThat(run.errLines()).last().isEqualTo("1 of 1 file invalid");
    }

    @Test
    void everyFileIsReportedWhenSeveralAreGiven() throws Exception {
        List<Path> files = corpus().limit(5).toList();
        String[] args = Stream.concat(Stream.of("validate"), files.stream().map(Path::toString))
                .toArray(String[]::new);
        CliRun run = CliRun.of(args);
        assertThat(run.exitCode()).isEqualTo(2);
        for (Path f : files) {
            assertThat(run.err()).contains(f + ":");
        }
        assertThat(run.errLines()).last().isEqualTo("5 of 5 files invalid");
    }

    private static List<String> expectations(Path file) throws IOException {
        // Read as Latin-1 so that the non-UTF-8 file's header still reads.
        List<String> lines = Files.readAllLines(file, StandardCharsets.ISO_8859_1);
        List<String> expected = new ArrayList<>();
        for (String line : lines) {
            if (!line.startsWith(EXPECT)) {
                break;
            }
            expected.add(line.substring(EXPECT.length()));
        }
        return expected;
    }
}
