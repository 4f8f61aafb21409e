package dev.aftershock.evaluation;

import dev.aftershock.journal.Format;
import dev.aftershock.journal.HypothesisResult;
import dev.aftershock.journal.HypothesisResult.Verdict;
import dev.aftershock.journal.Measurement;
import dev.aftershock.journal.Termination;
import dev.aftershock.model.Durations;
import dev.aftershock.model.Hypothesis;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Judges a {@code shutdown} hypothesis over every pod termination of the run. Each criterion must
 * hold for each termination; a failure names the pods and the numbers. A run in which no target pod
 * terminated, or whose evidence for a criterion is missing (no load, no EndpointSlice watch), is not
 * evaluated: never a pass.
 */
public final class ShutdownEvaluator {
    private static final String KIND = "shutdown";

    private ShutdownEvaluator() {}

    public static HypothesisResult judge(Hypothesis.Shutdown h, Evidence e) {
        String expected = expected(h);
        List<Termination> all = e.terminations();
        Optional<String> missing = missingEvidence(h, e);
        if (missing.isPresent()) {
            return new HypothesisResult(h.name(), KIND, Verdict.NOT_EVALUATED, expected, missing.get(), List.of());
        }
        // Judged once per termination: the count of those off and the list of why come from one pass.
        List<List<String>> perTermination =
                all.stream().map(t -> violations(h, t)).toList();
        List<String> violations = perTermination.stream().flatMap(List::stream).toList();
        List<Measurement> evidence = new ArrayList<>();
        evidence.add(new Measurement("pod terminations", all.size(), "count"));
        if (h.maxFailedRequests().isPresent()) {
            evidence.add(new Measurement(
                    "most failed requests in one termination",
                    all.stream()
                            .map(Termination::failedRequests)
                            .filter(java.util.Objects::nonNull)
                            .mapToLong(Long::longValue)
                            .max()
                            .orElse(0),
                    "count"));
        }
        if (h.outOfRotationBeforeExit().orElse(false)) {
            evidence.add(new Measurement(
                    "exited while still in rotation",
                    all.stream().filter(Termination::exitedInRotation).count(),
                    "count"));
        }
        if (h.maxTerminationTime().isPresent()) {
            all.stream()
                    .map(Termination::endedAfterMs)
                    .filter(java.util.Objects::nonNull)
                    .mapToLong(Long::longValue)
                    .max()
                    .ifPresent(ms -> evidence.add(new Measurement("longest termination", ms, "ms")));
        }
        String measured = violations.isEmpty()
                ? "%d termination(s), each as expected".formatted(all.size())
                : "%d of %d termination(s) not as expected: %s"
                        .formatted(
                                perTermination.stream()
                                        .filter(v -> !v.isEmpty())
                                        .count(),
                                all.size(),
                                String.join("; ", violations));
        return new HypothesisResult(
                h.name(), KIND, violations.isEmpty() ? Verdict.PASSED : Verdict.FAILED, expected, measured, evidence);
    }

    private static Optional<String> missingEvidence(Hypothesis.Shutdown h, Evidence e) {
        if (!e.cluster().listed()) {
            return Optional.of(
                    "the run's watches had not listed the cluster within 15 s: a termination may have been missed");
        }
        if (e.terminations().isEmpty()) {
            return Optional.of(
                    "no pod of " + e.workload() + " terminated during the run: there was no shutdown to judge");
        }
        if (h.maxFailedRequests().isPresent()) {
            if (e.load().isEmpty()) {
                return Optional.of("no load: failed requests need the experiment's load section");
            }
            if (e.loadNotDelivered().isPresent()) {
                return Optional.of("the load did not happen as planned: "
                        + e.loadNotDelivered().get());
            }
        }
        List<String> untimed = e.terminations().stream()
                .filter(t -> !t.unmeasured().isEmpty())
                .map(t -> "pod %s (%s): %s".formatted(t.pod(), t.causeText(), t.unmeasured()))
                .toList();
        if (!untimed.isEmpty()) {
            return Optional.of("not every termination could be timed: " + String.join("; ", untimed));
        }
        if (h.outOfRotationBeforeExit().orElse(false) && !e.cluster().rotationWatched()) {
            return Optional.of("the EndpointSlices were not watched: when each pod left rotation is unknown");
        }
        return Optional.empty();
    }

    private static List<String> violations(Hypothesis.Shutdown h, Termination t) {
        List<String> found = new ArrayList<>();
        String who = "pod %s (%s)".formatted(t.pod(), t.causeText());
        h.maxFailedRequests().ifPresent(max -> {
            if (t.failedRequests() != null && t.failedRequests() > max) {
                found.add("%s: %d of %d requests failed".formatted(who, t.failedRequests(), t.requests()));
            }
        });
        if (h.outOfRotationBeforeExit().orElse(false)) {
            if (t.exitedInRotation()) {
                found.add(
                        t.outOfRotationAfterMs() == null
                                ? "%s: exited after %s while still in rotation, and stayed listed"
                                        .formatted(who, Format.millis(t.exitedAfterMs()))
                                : "%s: exited after %s, out of rotation only after %s"
                                        .formatted(
                                                who,
                                                Format.millis(t.exitedAfterMs()),
                                                Format.millis(t.outOfRotationAfterMs())));
            }
        }
        h.maxTerminationTime().ifPresent(max -> {
            Optional<Long> ended = Optional.ofNullable(t.endedAfterMs());
            if (ended.isEmpty()) {
                found.add("%s: %s when the run ended"
                        .formatted(who, t.signalled() ? "its process still running" : "still terminating"));
            } else if (ended.get() > max.toMillis()) {
                found.add("%s: took %s".formatted(who, Format.millis(ended.get())));
            }
        });
        return found;
    }

    static String expected(Hypothesis.Shutdown h) {
        List<String> parts = new ArrayList<>();
        h.maxFailedRequests().ifPresent(n -> parts.add("at most " + n + " failed request(s)"));
        if (h.outOfRotationBeforeExit().orElse(false)) {
            parts.add("out of rotation before its processes exit");
        }
        h.maxTerminationTime().ifPresent(d -> parts.add("gone (a signal: exited) within " + Durations.format(d)));
        return "every pod termination: " + String.join(", ", parts);
    }
}
