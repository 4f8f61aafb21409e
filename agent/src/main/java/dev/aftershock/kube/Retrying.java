package dev.aftershock.kube;

import io.kubernetes.client.openapi.ApiException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;

/**
 * Calls that put the cluster back must not give up on the first conflict or a passing outage: each
 * attempt re-reads what it changes, and is tried again on 409 (someone else wrote the object), 429,
 * 5xx and I/O errors, with backoff, until a deadline. Other answers (403, 404, 422) are final.
 */
public final class Retrying {
    private static final Duration FIRST_BACKOFF = Duration.ofMillis(100);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(5);

    @FunctionalInterface
    public interface Attempt<T> {
        T call() throws ApiException;
    }

    private final Duration budget;

    public Retrying(Duration budget) {
        this.budget = budget;
    }

    public <T> T until(Attempt<T> attempt) throws ApiException {
        Instant deadline = Instant.now().plus(budget);
        Duration backoff = FIRST_BACKOFF;
        while (true) {
            try {
                return attempt.call();
            } catch (ApiException e) {
                if (!retryable(e) || !Instant.now().plus(backoff).isBefore(deadline)) {
                    throw e;
                }
            } catch (UncheckedIOException e) {
                if (!Instant.now().plus(backoff).isBefore(deadline)) {
                    throw e;
                }
            }
            try {
                Thread.sleep(backoff.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ApiException("interrupted while retrying");
            }
            backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
        }
    }

    /** 0 is how the client reports an I/O failure (connection refused, reset, timed out). */
    static boolean retryable(ApiException e) {
        int code = e.getCode();
        return code == 0 || code == 409 || code == 429 || code >= 500 || e.getCause() instanceof IOException;
    }
}
