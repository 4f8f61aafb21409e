package dev.aftershock.model;

import java.nio.file.Path;

/**
 * A load header's value: written in the file, or taken at run time from an environment variable or
 * a file, so that tokens need not be committed with the experiment. Values taken from elsewhere are
 * secrets by declaration: they are redacted from everything a run writes.
 */
public sealed interface HeaderValue {
    record Literal(String value) implements HeaderValue {}

    record FromEnv(String variable) implements HeaderValue {}

    record FromFile(Path file) implements HeaderValue {}
}
