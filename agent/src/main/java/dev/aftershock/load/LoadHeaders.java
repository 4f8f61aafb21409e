package dev.aftershock.load;

import dev.aftershock.model.HeaderValue;
import dev.aftershock.model.LoadProfile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** The load's header values as sent, read from the environment or files where the experiment says. */
public final class LoadHeaders {
    private LoadHeaders() {}

    /**
     * Resolves every header; a file path is relative to the experiment's directory. Throws
     * IllegalArgumentException naming the header and what is missing (never the value).
     */
    public static Map<String, String> resolve(LoadProfile profile, Map<String, String> env, Path experimentDir) {
        Map<String, String> out = new LinkedHashMap<>();
        profile.headers()
                .forEach((name, value) -> out.put(
                        name,
                        switch (value) {
                            case HeaderValue.Literal l -> l.value();
                            case HeaderValue.FromEnv e -> {
                                String v = env.get(e.variable());
                                if (v == null) {
                                    throw new IllegalArgumentException(
                                            "load header %s: the environment variable %s is not set"
                                                    .formatted(name, e.variable()));
                                }
                                yield v;
                            }
                            case HeaderValue.FromFile f -> {
                                Path file = experimentDir.resolve(f.file());
                                try {
                                    // Surrounding whitespace (the newline files end with) is not part of a token.
                                    yield Files.readString(file, StandardCharsets.UTF_8)
                                            .strip();
                                } catch (IOException e) {
                                    throw new IllegalArgumentException("load header %s: cannot read %s (%s)"
                                            .formatted(name, file, e.getClass().getSimpleName()));
                                }
                            }
                        }));
        return out;
    }
}
