package dev.aftershock.validation;

import dev.aftershock.model.Experiment;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * Reads and checks one experiment file completely, in order: YAML safety, the JSON Schema, then
 * meaning. Each stage reports every problem it finds; a later stage runs only on what the earlier
 * one accepted, so no problem is reported twice.
 */
public final class ExperimentLoader {
    public sealed interface Result {}

    public record Loaded(Experiment experiment) implements Result {}

    public record Rejected(List<Problem> problems) implements Result {
        public Rejected {
            problems = problems.stream().sorted().toList();
        }
    }

    private ExperimentLoader() {}

    public static Result load(Path path) {
        String file = path.toString();
        byte[] bytes;
        try (InputStream in = Files.newInputStream(path)) {
            // One byte past the limit is enough to know the file is too large, without reading it all.
            bytes = in.readNBytes(YamlDocumentReader.MAX_BYTES + 1);
            if (bytes.length > YamlDocumentReader.MAX_BYTES) {
                long size = Files.size(path);
                return new Rejected(List.of(new Problem(
                        file,
                        1,
                        1,
                        "the file is %,d bytes; an experiment file may be at most %,d bytes (1 MiB)"
                                .formatted(size, YamlDocumentReader.MAX_BYTES))));
            }
        } catch (NoSuchFileException e) {
            return new Rejected(List.of(new Problem(file, 1, 1, "no such file")));
        } catch (IOException e) {
            return new Rejected(List.of(new Problem(file, 1, 1, "cannot read the file: " + e.getMessage())));
        }
        return load(file, bytes);
    }

    public static Result load(String file, byte[] bytes) {
        var read = new YamlDocumentReader(file).read(bytes);
        if (read instanceof YamlDocumentReader.Refused refused) {
            return new Rejected(refused.problems());
        }
        var parsed = (YamlDocumentReader.Parsed) read;
        JsonNode root = parsed.root();
        SourceMap sourceMap = parsed.sourceMap();
        List<Problem> problems = SchemaCheck.check(file, root, sourceMap);
        if (!problems.isEmpty()) {
            return new Rejected(problems);
        }
        ExperimentBinder binder = new ExperimentBinder();
        Experiment experiment = binder.bind(root);
        List<ExperimentBinder.Finding> findings = new ArrayList<>(binder.findings());
        findings.addAll(MeaningCheck.check(experiment));
        if (!findings.isEmpty()) {
            return new Rejected(findings.stream()
                    .map(f -> {
                        Position p = sourceMap.valueAt(f.at());
                        return new Problem(file, p.line(), p.column(), f.at().dotted() + ": " + f.message());
                    })
                    .toList());
        }
        return new Loaded(experiment);
    }
}
