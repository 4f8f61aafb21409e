package dev.aftershock.validation;

import java.nio.file.Path;

/** Paths in the repository checkout the tests run from (set by the build). */
public final class RepositoryPaths {
    private RepositoryPaths() {}

    public static Path root() {
        String repo = System.getProperty("aftershock.repo");
        return (repo == null ? Path.of("..") : Path.of(repo)).toAbsolutePath().normalize();
    }

    public static Path experiments() {
        return root().resolve("experiments");
    }
}
