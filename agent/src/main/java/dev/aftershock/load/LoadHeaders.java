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
     * Where header values may come from. The CLI's user runs with their own access: any variable, any
     * file. A caller of the agent's API must not read the agent's own secrets (its service-account
     * token, its environment) into a header and send them to a URL of their choosing: there, files
     * come only from the directory the operator mounted for load secrets, and variables only with
     * the prefix {@value #AGENT_ENV_PREFIX}.
     *
     * @param filesUnder null: anywhere (relative paths from the experiment's directory)
     * @param envPrefix "": any variable
     */
    public record Sources(Path filesUnder, String envPrefix) {
        public static final Sources ANY = new Sources(null, "");

        public static Sources forAgent(Path secretsDir) {
            return new Sources(secretsDir.toAbsolutePath().normalize(), AGENT_ENV_PREFIX);
        }
    }

    public static final String AGENT_ENV_PREFIX = "AFTERSHOCK_LOAD_";

    /** As {@link #resolve(LoadProfile, Map, Path)}, from the given sources only. */
    public static Map<String, String> resolve(
            LoadProfile profile, Map<String, String> env, Path experimentDir, Sources sources) {
        profile.headers().forEach((name, value) -> {
            switch (value) {
                case HeaderValue.FromEnv e
                when !e.variable().startsWith(sources.envPrefix()) ->
                    throw new IllegalArgumentException(
                            "load header %s: the agent gives its load only variables named %s*, not %s"
                                    .formatted(name, sources.envPrefix(), e.variable()));
                case HeaderValue.FromFile f
                when sources.filesUnder() != null
                        && !sources.filesUnder().resolve(f.file()).normalize().startsWith(sources.filesUnder()) ->
                    throw new IllegalArgumentException(
                            "load header %s: the agent reads load secrets only from files under %s"
                                    .formatted(name, sources.filesUnder()));
                default -> {}
            }
        });
        return resolve(profile, env, sources.filesUnder() == null ? experimentDir : sources.filesUnder());
    }

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
