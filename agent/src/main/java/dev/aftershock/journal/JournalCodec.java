package dev.aftershock.journal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/** Reads and writes journal.json. A journal of another format version is refused, not guessed at. */
public final class JournalCodec {
    private static final JsonMapper MAPPER = JsonMapper.builder()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    private JournalCodec() {}

    /** How a string appears inside the journal's JSON (quotes and escapes, without the surrounding quotes). */
    public static String jsonEscaped(String text) {
        String quoted = MAPPER.writeValueAsString(text);
        return quoted.substring(1, quoted.length() - 1);
    }

    public static String toJson(Journal journal) {
        return MAPPER.writeValueAsString(journal);
    }

    public static void write(Journal journal, Path file) {
        try {
            Files.writeString(file, toJson(journal));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    /** Far above what a day-long run writes (a one-hour run's journal is a few MB); past it, refuse rather than run out of memory. */
    public static final long LARGEST = 64L * 1024 * 1024;

    /** @throws IllegalArgumentException when the file is not a journal of this format version */
    public static Journal read(Path file) {
        String json;
        try {
            long size = Files.size(file);
            if (size > LARGEST) {
                throw new IllegalArgumentException("%s: %d MB, larger than a journal can be (%d MB at most)"
                        .formatted(file, size / (1024 * 1024), LARGEST / (1024 * 1024)));
            }
            json = Files.readString(file);
        } catch (java.nio.charset.MalformedInputException e) {
            throw new IllegalArgumentException(file + ": not UTF-8 text: a journal is JSON in UTF-8", e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        return fromJson(json, file.toString());
    }

    public static Journal fromJson(String json, String source) {
        String format;
        try {
            format = MAPPER.readTree(json).path("format").asString("");
        } catch (JacksonException e) {
            throw new IllegalArgumentException(source + ": not JSON: " + e.getOriginalMessage(), e);
        }
        if (!Journal.FORMAT.equals(format)) {
            throw new IllegalArgumentException(source + ": not an Aftershock journal of format " + Journal.FORMAT
                    + " (format: " + (format.isEmpty() ? "missing" : format) + ")");
        }
        try {
            return MAPPER.readValue(json, Journal.class);
        } catch (JacksonException e) {
            throw new IllegalArgumentException(source + ": malformed journal: " + e.getOriginalMessage(), e);
        }
    }
}
