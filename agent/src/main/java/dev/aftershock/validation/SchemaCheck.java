package dev.aftershock.validation;

import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.dialect.Dialect;
import com.networknt.schema.dialect.Dialects;
import com.networknt.schema.keyword.AnnotationKeyword;
import com.networknt.schema.path.NodePath;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Checks a document against {@code experiments/schema/experiment.schema.json} and words each
 * failure the way a user needs it: where, what was expected (the schema's {@code x-expected}), what
 * was found, and a "did you mean" for misspellings.
 */
public final class SchemaCheck {
    static final String SCHEMA_RESOURCE = "experiment.schema.json";
    static final String SCHEDULE_SCHEMA_RESOURCE = "schedule.schema.json";
    /** Experiments ({@code experiments/schema/experiment.schema.json}). */
    static final SchemaCheck EXPERIMENT = new SchemaCheck(SCHEMA_RESOURCE);
    /** Schedules ({@code experiments/schema/schedule.schema.json}). */
    static final SchemaCheck SCHEDULE = new SchemaCheck(SCHEDULE_SCHEMA_RESOURCE);

    private final JsonNode tree;
    private final Schema schema;
    private final Set<String> allFieldNames;

    private SchemaCheck(String resource) {
        this.tree = readSchemaTree(resource);
        // x-expected is our annotation: the words an error message uses for what a value should be.
        this.schema = SchemaRegistry.withDefaultDialect(Dialect.builder(Dialects.getDraft202012())
                        .keyword(new AnnotationKeyword("x-expected"))
                        .build())
                .getSchema(tree);
        this.allFieldNames = collectFieldNames(tree, new HashSet<>());
    }

    public static JsonNode schemaTree() {
        return EXPERIMENT.tree;
    }

    /** Checks an experiment. */
    public static List<Problem> check(String file, JsonNode document, SourceMap sourceMap) {
        return EXPERIMENT.problems(file, document, sourceMap);
    }

    List<Problem> problems(String file, JsonNode document, SourceMap sourceMap) {
        List<Error> errors = schema.validate(document);
        Set<Pointer> countedElsewhere = new HashSet<>();
        for (Error e : errors) {
            if ("additionalProperties".equals(e.getKeyword()) || "required".equals(e.getKeyword())) {
                countedElsewhere.add(pointer(e.getInstanceLocation()));
            }
        }
        List<Problem> problems = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        Set<Pointer> anyOfReported = new HashSet<>();
        for (Error e : errors) {
            Pointer at = pointer(e.getInstanceLocation());
            String keyword = e.getKeyword();
            // An unknown or missing field also breaks the field count; saying so twice only confuses.
            if ((keyword.equals("minProperties") || keyword.equals("maxProperties")) && countedElsewhere.contains(at)) {
                continue;
            }
            Problem p;
            if (e.getEvaluationPath().contains("anyOf")) {
                // Every failed branch of an anyOf is reported; users need one sentence for the whole choice.
                if (!anyOfReported.add(at)) {
                    continue;
                }
                p = describeChoice(file, errors, at, e, sourceMap);
            } else {
                p = describe(file, e, at, sourceMap);
            }
            if (seen.add(p.toString())) {
                problems.add(p);
            }
        }
        return problems;
    }

    private Problem describeChoice(String file, List<Error> errors, Pointer at, Error first, SourceMap sourceMap) {
        for (Error e : errors) {
            if (!pointer(e.getInstanceLocation()).equals(at)) {
                continue;
            }
            NodePath fragment = e.getSchemaLocation().getFragment();
            for (int i = 0; i < fragment.getNameCount(); i++) {
                if ("anyOf".equals(fragment.getName(i))) {
                    String expected = expectedOf(tree.at(jsonPointer(fragment, i)));
                    if (expected != null) {
                        return problem(
                                file,
                                sourceMap.valueAt(at),
                                at.dotted() + ": expected " + expected + ", got " + shown(e.getInstanceNode()));
                    }
                }
            }
        }
        return describe(file, first, at, sourceMap);
    }

    private Problem describe(String file, Error e, Pointer at, SourceMap sourceMap) {
        JsonNode schemaNode = schemaNodeOf(e);
        JsonNode instance = e.getInstanceNode();
        return switch (e.getKeyword()) {
            case "additionalProperties" -> {
                String field = e.getProperty();
                Pointer fieldAt = at.field(field);
                List<String> allowed = fieldNames(schemaNode);
                String hint = Suggestions.closest(field, allowed.isEmpty() ? allFieldNames : allowed)
                        .map(s -> " (did you mean '" + s + "'?)")
                        .orElse(allowed.isEmpty() ? "" : "; expected one of: " + String.join(", ", allowed));
                yield problem(
                        file, sourceMap.keyAt(fieldAt), "%s: unknown field '%s'%s".formatted(at.dotted(), field, hint));
            }
            case "required" -> {
                String field = e.getProperty();
                String expected = expectedOf(schemaNode.path("properties").path(field));
                yield problem(
                        file,
                        sourceMap.valueAt(at),
                        "%s: missing required field '%s'%s"
                                .formatted(at.dotted(), field, expected == null ? "" : " (" + expected + ")"));
            }
            default -> {
                String expected = expectedOf(schemaNode);
                String message = expected != null
                        ? "expected " + expected + ", got " + shown(instance) + didYouMean(instance, schemaNode)
                        : fallback(e, schemaNode, instance);
                yield problem(file, sourceMap.valueAt(at), at.dotted() + ": " + message);
            }
        };
    }

    /** Words for keywords whose schema node carries no x-expected. */
    private static String fallback(Error e, JsonNode schemaNode, JsonNode instance) {
        JsonNode value = schemaNode.path(e.getKeyword());
        return switch (e.getKeyword()) {
            case "type" -> "expected " + typeWord(value.asString()) + ", got " + shown(instance);
            case "minItems" -> "expected at least %d item%s".formatted(value.asInt(), value.asInt() == 1 ? "" : "s");
            case "minLength" -> "must not be empty";
            case "minimum" -> "expected at least " + value.asString() + ", got " + shown(instance);
            case "maximum" -> "expected at most " + value.asString() + ", got " + shown(instance);
            case "uniqueItems" -> "each item may appear only once";
            case "minProperties" -> "must not be empty";
            default -> e.getMessage();
        };
    }

    private static String didYouMean(JsonNode instance, JsonNode schemaNode) {
        if (instance == null || !instance.isString() || !schemaNode.has("enum")) {
            return "";
        }
        List<String> options = new ArrayList<>();
        schemaNode.get("enum").forEach(v -> options.add(v.asString()));
        return Suggestions.closest(instance.asString(), options)
                .map(s -> " (did you mean " + s + "?)")
                .orElse("");
    }

    private String expectedOf(JsonNode schemaNode) {
        JsonNode expected = schemaNode.get("x-expected");
        if (expected != null) {
            return expected.asString();
        }
        JsonNode ref = schemaNode.get("$ref");
        if (ref != null && ref.asString().startsWith("#")) {
            return expectedOf(tree.at(ref.asString().substring(1)));
        }
        return null;
    }

    private static List<String> fieldNames(JsonNode schemaNode) {
        List<String> names = new ArrayList<>();
        schemaNode.path("properties").propertyNames().forEach(names::add);
        return names;
    }

    /** The schema object holding the failed keyword (the error points at the keyword itself). */
    private JsonNode schemaNodeOf(Error e) {
        NodePath fragment = e.getSchemaLocation().getFragment();
        return tree.at(jsonPointer(fragment, fragment.getNameCount() - 1));
    }

    /** The JSON pointer of the first {@code length} steps of a schema path. */
    private static String jsonPointer(NodePath path, int length) {
        StringBuilder pointer = new StringBuilder();
        for (int i = 0; i < length; i++) {
            pointer.append('/').append(path.getName(i).replace("~", "~0").replace("/", "~1"));
        }
        return pointer.toString();
    }

    static Pointer pointer(NodePath path) {
        List<Object> steps = new ArrayList<>();
        for (int i = 0; i < path.getNameCount(); i++) {
            steps.add(path.getElement(i));
        }
        return new Pointer(steps);
    }

    private static String typeWord(String type) {
        return switch (type) {
            case "object" -> "a mapping";
            case "array" -> "a list";
            case "string" -> "a string";
            case "integer" -> "a whole number";
            case "number" -> "a number";
            case "boolean" -> "true or false";
            default -> type;
        };
    }

    static String shown(JsonNode instance) {
        if (instance == null || instance.isNull() || instance.isMissingNode()) {
            return "nothing";
        }
        if (instance.isObject()) {
            return instance.isEmpty()
                    ? "an empty mapping"
                    : "a mapping of " + String.join(", ", instance.propertyNames());
        }
        if (instance.isArray()) {
            return "a list";
        }
        if (instance.isString()) {
            String text = instance.asString();
            return "\"" + (text.length() > 60 ? text.substring(0, 57) + "..." : text) + "\"";
        }
        return instance.toString();
    }

    private static Problem problem(String file, Position position, String message) {
        return new Problem(file, position.line(), position.column(), message);
    }

    private static Set<String> collectFieldNames(JsonNode node, Set<String> into) {
        if (node.isObject()) {
            node.path("properties").propertyNames().forEach(into::add);
            node.forEach(child -> collectFieldNames(child, into));
        } else if (node.isArray()) {
            node.forEach(child -> collectFieldNames(child, into));
        }
        return into;
    }

    private static JsonNode readSchemaTree(String resource) {
        try (InputStream in = SchemaCheck.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("a schema is missing from the classpath: " + resource);
            }
            return JsonMapper.shared().readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
