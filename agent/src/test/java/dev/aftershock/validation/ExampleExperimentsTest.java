package dev.aftershock.validation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aftershock.cli.CliRun;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every file under experiments/ must stay valid: they are the examples users copy. */
class ExampleExperimentsTest {
    static Stream<Path> examples() throws IOException {
        try (Stream<Path> files = Files.list(RepositoryPaths.experiments())) {
            return files
                    .filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml"))
                    .sorted()
                    .toList()
                    .stream();
        }
    }

    @Test
    void everyExampleScheduleIsValid() throws IOException {
        try (Stream<Path> files = Files.list(RepositoryPaths.experiments().resolve("schedules"))) {
            for (Path file : files.filter(p -> p.toString().endsWith(".yaml")).toList()) {
                assertThat(ScheduleLoader.load(file.toString(), Files.readAllBytes(file)))
                        .as(file.toString())
                        .isInstanceOf(ScheduleLoader.Loaded.class);
            }
        }
    }

    /** Users copy an example to start: every fault action has one. */
    @Test
    void everyFaultActionHasAnExample() throws IOException {
        java.util.Set<dev.aftershock.model.FaultSpec.Action> shown = new java.util.HashSet<>();
        for (Path example : examples().toList()) {
            if (ExperimentLoader.load(example) instanceof ExperimentLoader.Loaded loaded) {
                loaded.experiment().spec().faults().forEach(f -> shown.add(f.action()));
            }
        }
        assertThat(shown).containsExactlyInAnyOrder(dev.aftershock.model.FaultSpec.Action.values());
    }

    @Test
    void thereAreAtLeastThreeExamples() throws IOException {
        assertThat(examples()).hasSizeGreaterThanOrEqualTo(3);
    }

    @ParameterizedTest
    @MethodSource("examples")
    void loadsWithoutProblems(Path example) {
        var result = ExperimentLoader.load(example);
        assertThat(result)
                .as(() -> result instanceof ExperimentLoader.Rejected r
                        ? r.problems().toString()
                        : "")
                .isInstanceOf(ExperimentLoader.Loaded.class);
    }

    @ParameterizedTest
    @MethodSource("examples")
    void namesTheSchemaForEditors(Path example) throws IOException {
        List<String> lines = Files.readAllLines(example);
        assertThat(lines.get(0)).isEqualTo("# yaml-language-server: $schema=./schema/experiment.schema.json");
    }

    @Test
    void validateAcceptsAllOfThemAtOnce() throws IOException {
        String[] args = Stream.concat(Stream.of("validate"), examples().map(Path::toString))
                .toArray(String[]::new);
        CliRun run = CliRun.of(args);
        assertThat(run.err()).isEmpty();
        assertThat(run.exitCode()).isZero();
    }

    @Test
    void theSchemaTheLoaderUsesIsTheOneInTheRepository() throws IOException {
        var inRepo = tools.jackson.databind.json.JsonMapper.shared()
                .readTree(RepositoryPaths.experiments()
                        .resolve("schema/experiment.schema.json")
                        .toFile());
        assertThat(SchemaCheck.schemaTree()).isEqualTo(inRepo);
    }
}
