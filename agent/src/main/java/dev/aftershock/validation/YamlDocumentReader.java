package dev.aftershock.validation;

import java.io.StringReader;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.events.AliasEvent;
import org.yaml.snakeyaml.events.DocumentStartEvent;
import org.yaml.snakeyaml.events.Event;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Turns the bytes of one YAML file into a JSON tree plus the position of every value, refusing what
 * must never reach the schema: files that are too large, not UTF-8, hold several documents, repeat a
 * key, or expand aliases without bound (the "billion laughs").
 */
public final class YamlDocumentReader {
    public static final int MAX_BYTES = 1024 * 1024;
    public static final int MAX_ALIASES = 50;
    public static final int MAX_NODES = 100_000;
    private static final int MAX_DEPTH = 64;

    public sealed interface Result {}

    public record Parsed(JsonNode root, SourceMap sourceMap) implements Result {}

    public record Refused(List<Problem> problems) implements Result {}

    private final String file;

    public YamlDocumentReader(String file) {
        this.file = file;
    }

    public Result read(byte[] bytes) {
        if (bytes.length > MAX_BYTES) {
            return refuse(
                    Position.START,
                    "the file is %,d bytes; an experiment file may be at most %,d bytes (1 MiB)"
                            .formatted(bytes.length, MAX_BYTES));
        }
        String text;
        try {
            text = decodeUtf8(bytes);
        } catch (NotUtf8 e) {
            return refuse(
                    e.position,
                    "the file is not UTF-8 text: byte 0x%02X cannot start or continue a UTF-8 character"
                            .formatted(e.badByte));
        }
        if (text.isBlank()) {
            return refuse(
                    Position.START, "the file is empty: expected an Experiment (apiVersion, kind, metadata, spec)");
        }
        try {
            List<Problem> structural = scanEvents(text);
            if (!structural.isEmpty()) {
                return new Refused(structural);
            }
            Node root = yaml().compose(new StringReader(text));
            if (root == null) {
                return refuse(Position.START, "the file holds no YAML document: expected an Experiment");
            }
            Converter converter = new Converter();
            JsonNode tree = converter.convert(root, Pointer.ROOT, 0);
            if (!converter.problems.isEmpty()) {
                return new Refused(converter.problems);
            }
            return new Parsed(tree, converter.sourceMap);
        } catch (MarkedYAMLException e) {
            return refuse(position(e.getProblemMark()), describeSyntaxError(e));
        } catch (YAMLException e) {
            return refuse(Position.START, "unreadable YAML: " + e.getMessage());
        }
    }

    /**
     * A first pass over the parse events, which cost nothing to expand: counts aliases before
     * anything is composed, and finds a second document.
     */
    private List<Problem> scanEvents(String text) {
        int aliases = 0;
        int documents = 0;
        for (Event event : yaml().parse(new StringReader(text))) {
            if (event instanceof DocumentStartEvent) {
                documents++;
                if (documents == 2) {
                    return List.of(problem(
                            position(event.getStartMark()),
                            "a second YAML document starts here: a file holds exactly one experiment"));
                }
            } else if (event instanceof AliasEvent) {
                aliases++;
                if (aliases > MAX_ALIASES) {
                    return List.of(problem(
                            position(event.getStartMark()),
                            "more than %d aliases: refusing a document whose aliases could expand without bound"
                                    .formatted(MAX_ALIASES)));
                }
            }
        }
        return List.of();
    }

    private static Yaml yaml() {
        LoaderOptions options = new LoaderOptions();
        options.setMaxAliasesForCollections(MAX_ALIASES);
        options.setAllowRecursiveKeys(false);
        options.setNestingDepthLimit(MAX_DEPTH);
        options.setCodePointLimit(MAX_BYTES);
        // Duplicate keys are found while converting, where all of them can be reported with positions.
        options.setAllowDuplicateKeys(true);
        return new Yaml(options);
    }

    private static String describeSyntaxError(MarkedYAMLException e) {
        String problem = e.getProblem() == null ? "" : e.getProblem();
        if (problem.contains("\\t(TAB)") || problem.contains("\t")) {
            return "tab character: YAML indentation must use spaces, not tabs";
        }
        String context = e.getContext() == null ? "" : " (" + e.getContext() + ")";
        return "YAML syntax error: " + problem.replaceAll("\\s+", " ").trim() + context;
    }

    private final class Converter {
        private final SourceMap sourceMap = new SourceMap();
        private final List<Problem> problems = new ArrayList<>();
        private final JsonNodeFactory nodes = JsonNodeFactory.instance;
        private int converted;

        JsonNode convert(Node node, Pointer at, int depth) {
            if (++converted > MAX_NODES) {
                if (converted == MAX_NODES + 1) {
                    problems.add(problem(
                            position(node.getStartMark()),
                            "the document expands to more than %,d values: refusing it (too many aliases or too large)"
                                    .formatted(MAX_NODES)));
                }
                return nodes.nullNode();
            }
            sourceMap.value(at, position(node.getStartMark()));
            return switch (node) {
                case MappingNode mapping -> mapping(mapping, at, depth);
                case SequenceNode sequence -> sequence(sequence, at, depth);
                case ScalarNode scalar -> scalar(scalar);
                default -> nodes.nullNode();
            };
        }

        private ObjectNode mapping(MappingNode mapping, Pointer at, int depth) {
            ObjectNode object = nodes.objectNode();
            Map<String, Position> seen = new HashMap<>();
            for (NodeTuple tuple : mapping.getValue()) {
                if (!(tuple.getKeyNode() instanceof ScalarNode keyNode)) {
                    problems.add(problem(
                            position(tuple.getKeyNode().getStartMark()),
                            "%s: a key must be a plain name, not a list or mapping".formatted(at.dotted())));
                    continue;
                }
                String key = keyNode.getValue();
                Position keyPosition = position(keyNode.getStartMark());
                Position first = seen.putIfAbsent(key, keyPosition);
                if (first != null) {
                    problems.add(problem(
                            keyPosition,
                            "duplicate key '%s' in %s (first given at line %d)"
                                    .formatted(key, at.dotted(), first.line())));
                    continue;
                }
                Pointer child = at.field(key);
                sourceMap.key(child, keyPosition);
                object.set(key, convert(tuple.getValueNode(), child, depth + 1));
            }
            return object;
        }

        private ArrayNode sequence(SequenceNode sequence, Pointer at, int depth) {
            ArrayNode array = nodes.arrayNode();
            List<Node> items = sequence.getValue();
            for (int i = 0; i < items.size(); i++) {
                array.add(convert(items.get(i), at.index(i), depth + 1));
            }
            return array;
        }

        /** Plain scalars keep the type YAML resolved (so `at: 5` is a number, not the text "5"). */
        private JsonNode scalar(ScalarNode scalar) {
            String value = scalar.getValue();
            Tag tag = scalar.getTag();
            if (Tag.NULL.equals(tag)) {
                return nodes.nullNode();
            }
            if (Tag.BOOL.equals(tag)) {
                return nodes.booleanNode(
                        switch (value.toLowerCase(java.util.Locale.ROOT)) {
                            case "true", "yes", "on", "y" -> true;
                            default -> false;
                        });
            }
            if (Tag.INT.equals(tag)) {
                try {
                    return nodes.numberNode(new BigInteger(value.replace("_", "")));
                } catch (NumberFormatException e) {
                    return nodes.stringNode(
                            value); // 0x, 0o and sexagesimal forms: kept as text, the schema says what it wanted
                }
            }
            if (Tag.FLOAT.equals(tag)) {
                try {
                    return nodes.numberNode(Double.parseDouble(value.replace("_", "")));
                } catch (NumberFormatException e) {
                    return nodes.stringNode(value);
                }
            }
            return nodes.stringNode(value);
        }
    }

    private Refused refuse(Position position, String message) {
        return new Refused(List.of(problem(position, message)));
    }

    private Problem problem(Position position, String message) {
        return new Problem(file, position.line(), position.column(), message);
    }

    private static Position position(Mark mark) {
        return mark == null ? Position.START : new Position(mark.getLine() + 1, mark.getColumn() + 1);
    }

    private static final class NotUtf8 extends Exception {
        final Position position;
        final int badByte;

        NotUtf8(Position position, int badByte) {
            super(null, null, false, false);
            this.position = position;
            this.badByte = badByte;
        }
    }

    /** Strict UTF-8 (a leading BOM is dropped); on failure, where the first bad byte stands. */
    private static String decodeUtf8(byte[] bytes) throws NotUtf8 {
        int offset =
                bytes.length >= 3 && (bytes[0] & 0xFF) == 0xEF && (bytes[1] & 0xFF) == 0xBB && (bytes[2] & 0xFF) == 0xBF
                        ? 3
                        : 0;
        CharsetDecoder decoder = StandardCharsets.UTF_8
                .newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes, offset, bytes.length - offset);
        CharBuffer out = CharBuffer.allocate(bytes.length);
        CoderResult result = decoder.decode(in, out, true);
        if (result.isError()) {
            int bad = in.position();
            String before = new String(bytes, offset, bad - offset, StandardCharsets.UTF_8);
            int line = 1;
            int lineStart = 0;
            for (int i = 0; i < before.length(); i++) {
                if (before.charAt(i) == '\n') {
                    line++;
                    lineStart = i + 1;
                }
            }
            int column = before.codePointCount(lineStart, before.length()) + 1;
            throw new NotUtf8(new Position(line, column), bytes[bad] & 0xFF);
        }
        decoder.flush(out);
        out.flip();
        return out.toString();
    }
}
