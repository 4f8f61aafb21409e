package dev.aftershock.kube;

import io.kubernetes.client.openapi.models.CoreV1Event;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The kubelet's word that it kills a container because a probe failed: a {@code Killing} Event on
 * the pod whose message is "Container app failed liveness probe, will be restarted" (or startup).
 * A {@code Killing} Event for a deletion says "Stopping container app" and is not one. Not anchored:
 * the kubelet's event recorder may prefix "(combined from similar events): ".
 */
final class ProbeKills {
    private static final Pattern MESSAGE = Pattern.compile("Container (\\S+) failed (liveness|startup) probe");

    record Kill(String pod, String container, String probe, String message) {}

    private ProbeKills() {}

    /** The kill this Event tells, when it is one, on a target pod, told at or after {@code since}. */
    static Optional<Kill> of(CoreV1Event e, Instant since, Predicate<String> targetPod) {
        if (!"Killing".equals(e.getReason())
                || e.getInvolvedObject() == null
                || !"Pod".equals(e.getInvolvedObject().getKind())) {
            return Optional.empty();
        }
        String message = Objects.requireNonNullElse(e.getMessage(), "");
        Matcher m = MESSAGE.matcher(message);
        if (!m.find()) {
            return Optional.empty();
        }
        Optional<Instant> last = lastTold(e);
        if (last.isPresent() && last.get().isBefore(since)) {
            return Optional.empty();
        }
        String pod = e.getInvolvedObject().getName();
        return targetPod.test(pod) ? Optional.of(new Kill(pod, m.group(1), m.group(2), message)) : Optional.empty();
    }

    /** When the Event was last told: its series, its last timestamp, or when it was first told. */
    static Optional<Instant> lastTold(CoreV1Event e) {
        return Stream.of(
                        e.getSeries() == null ? null : e.getSeries().getLastObservedTime(),
                        e.getLastTimestamp(),
                        e.getEventTime(),
                        e.getFirstTimestamp(),
                        e.getMetadata() == null ? null : e.getMetadata().getCreationTimestamp())
                .filter(Objects::nonNull)
                .map(OffsetDateTime::toInstant)
                .findFirst();
    }
}
