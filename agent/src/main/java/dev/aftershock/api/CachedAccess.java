package dev.aftershock.api;

import dev.aftershock.kube.AccessReviews.Decision;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Access decisions reused for a few seconds, as the API server's own webhook authorizers do: a client
 * following a run asks every second, and each decision costs two reviews. Keyed by a hash of the
 * token, never the token. A review that fails (the API server unreachable) is not cached.
 */
public final class CachedAccess {
    /** Asks the API server (AccessReviews in the agent; a fake of this interface in unit tests). */
    public interface Reviewer {
        Decision decide(String token, String verb, String resource) throws Exception;
    }

    private record Cached(Decision decision, Instant until) {}

    private static final int MAX_ENTRIES = 10_000;
    private final Reviewer reviewer;
    private final Duration ttl;
    private final Clock clock;
    private final Map<String, Cached> cache = new ConcurrentHashMap<>();

    public CachedAccess(Reviewer reviewer, Duration ttl, Clock clock) {
        this.reviewer = reviewer;
        this.ttl = ttl;
        this.clock = clock;
    }

    public Decision decide(String token, String verb, String resource) throws Exception {
        if (ttl.isZero()) {
            return reviewer.decide(token, verb, resource);
        }
        String key = hash(token) + " " + verb + " " + resource;
        Instant now = clock.instant();
        Cached cached = cache.get(key);
        if (cached != null && now.isBefore(cached.until())) {
            return cached.decision();
        }
        Decision decision = reviewer.decide(token, verb, resource);
        if (cache.size() >= MAX_ENTRIES) {
            cache.values().removeIf(c -> !now.isBefore(c.until()));
            if (cache.size() >= MAX_ENTRIES) {
                cache.clear();
            }
        }
        cache.put(key, new Cached(decision, now.plus(ttl)));
        return decision;
    }

    private static String hash(String token) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
