package dev.aftershock.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aftershock.kube.AccessReviews.Decision;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class CachedAccessTest {
    private static final class MovableClock extends Clock {
        Instant now = Instant.parse("2026-11-29T00:00:00Z");

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    @Test
    void aDecisionIsReusedForItsTimeThenAskedAgain() throws Exception {
        AtomicInteger asked = new AtomicInteger();
        MovableClock clock = new MovableClock();
        CachedAccess access = new CachedAccess(
                (token, verb, resource) -> {
                    asked.incrementAndGet();
                    return new Decision.Allowed("u");
                },
                Duration.ofSeconds(5),
                clock);
        access.decide("t", "get", "runs");
        access.decide("t", "get", "runs");
        assertThat(asked).hasValue(1);
        access.decide("t", "list", "runs");
        access.decide("other", "get", "runs");
        assertThat(asked).hasValue(3);
        clock.now = clock.now.plusSeconds(5);
        access.decide("t", "get", "runs");
        assertThat(asked).hasValue(4);
    }

    @Test
    void aReviewThatFailedIsNotRemembered() throws Exception {
        AtomicInteger asked = new AtomicInteger();
        CachedAccess access = new CachedAccess(
                (token, verb, resource) -> {
                    if (asked.incrementAndGet() == 1) {
                        throw new java.io.IOException("API server unreachable");
                    }
                    return new Decision.Denied("u", "no");
                },
                Duration.ofSeconds(5),
                Clock.systemUTC());
        assertThatThrownBy(() -> access.decide("t", "get", "runs")).hasMessageContaining("unreachable");
        assertThat(access.decide("t", "get", "runs")).isInstanceOf(Decision.Denied.class);
    }
}
