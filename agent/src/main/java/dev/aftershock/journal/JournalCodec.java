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

    /** @throws IllegalArgumentException when the file is not a journal of this format version */
    public static Journal read(Path file) {
        String json;
        try {
            json = Files.readString(file);
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
