package dev.aftershock.journal;

import dev.aftershock.model.HeaderValue;
import dev.aftershock.model.LoadProfile;
import java.net.URI;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The secrets of a run's load (header values that authenticate or were taken from the environment or
 * a file, the URL's password and token-like query parameters), and their removal from every text a
 * run writes: the journal (and so the report and JUnit XML rendered from it), the driver's log.
 */
public final class Redaction {
    public static final String MARK = "[redacted]";
    private static final Pattern SENSITIVE_NAME =
            Pattern.compile("(?i).*(auth|token|secret|key|password|passwd|cookie|session|signature|sig|credential).*");
    /** Shorter strings are too likely to be ordinary words of the journal; secrets are longer. */
    private static final int SHORTEST_SECRET = 4;

    private final List<String> secrets;

    private Redaction(Collection<String> secrets) {
        this.secrets = secrets.stream()
                .filter(s -> s != null && s.length() >= SHORTEST_SECRET)
                .distinct()
                .sorted(Comparator.comparingInt(String::length).reversed())
                .toList();
    }

    public static Redaction none() {
        return new Redaction(List.of());
    }

    /** The secrets of a load: {@code resolved} are its header values as sent. */
    public static Redaction of(LoadProfile profile, Map<String, String> resolved, URI url) {
        Set<String> secrets = new LinkedHashSet<>();
        profile.headers().forEach((name, declared) -> {
            String value = resolved.get(name);
            if (value == null) {
                return;
            }
            if (!(declared instanceof HeaderValue.Literal)
                    || SENSITIVE_NAME.matcher(name).matches()) {
                secrets.add(value);
                // "Bearer abc": the credential alone may appear elsewhere too.
                int space = value.indexOf(' ');
                if (space > 0) {
                    secrets.add(value.substring(space + 1));
                }
            }
        });
        for (URI u : List.of(profile.url(), url)) {
            if (u.getRawUserInfo() != null) {
                // user:password, or a bare token as the user: the whole of it is a credential.
                secrets.add(u.getRawUserInfo());
                if (u.getRawUserInfo().contains(":")) {
                    secrets.add(u.getRawUserInfo().substring(u.getRawUserInfo().indexOf(':') + 1));
                }
            }
            if (u.getRawQuery() != null) {
                for (String pair : u.getRawQuery().split("&")) {
                    int eq = pair.indexOf('=');
                    if (eq > 0
                            && SENSITIVE_NAME
                                    .matcher(pair.substring(0, eq).toLowerCase(Locale.ROOT))
                                    .matches()) {
                        secrets.add(pair.substring(eq + 1));
                    }
                }
            }
        }
        return new Redaction(secrets);
    }

    public boolean isEmpty() {
        return secrets.isEmpty();
    }

    public String apply(String text) {
        if (text == null) {
            return null;
        }
        String out = text;
        for (String s : secrets) {
            out = out.replace(s, MARK);
        }
        return out;
    }

    /** The whole journal, every field: through its JSON, so no field is forgotten. */
    public Journal apply(Journal journal) {
        if (secrets.isEmpty()) {
            return journal;
        }
        String json = JournalCodec.toJson(journal);
        for (String s : secrets) {
            json = json.replace(JournalCodec.jsonEscaped(s), MARK);
        }
        return JournalCodec.fromJson(json, "redacted journal");
    }
}
