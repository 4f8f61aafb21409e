package dev.aftershock.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.aftershock.evaluation.LoadFrame;
import dev.aftershock.journal.Redaction;
import dev.aftershock.model.Arrival;
import dev.aftershock.model.LoadProfile;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fleet's decisions over a small fake of {@link InjectorCluster} (the pods themselves are
 * tested on the testbed, InjectorsE2E): frames merged once each, a skewed clock's frames moved, a
 * silent injector named with its share, an injector not ready in time stopping the start.
 */
class InjectorFleetTest {
    private static final LoadProfile TWO_INJECTORS = new LoadProfile(
            URI.create("http://target.shop.svc:8080/"),
            "GET",
            Map.of(),
            Optional.empty(),
            Duration.ofSeconds(2),
            List.of(new Arrival.Hold(40, Duration.ofSeconds(30))),
            LoadProfile.ServedBy.DEFAULT,
            new LoadProfile.Injectors(2, Map.of(), Map.of(), Map.of(), false));

    @TempDir
    Path dir;

    private final FakeInjectors pods = new FakeInjectors();
    private final AtomicLong now = new AtomicLong(1_800_000_000_000L);
    private final List<LoadFrame> frames = new CopyOnWriteArrayList<>();

    private InjectorFleet fleet() {
        return new InjectorFleet(pods, "run-1", Map.of(), Set.of("node-9"), Redaction.none(), dir, false, now::get);
    }

    /** Prepares the fleet with both injectors saying they are ready. */
    private InjectorFleet ready() throws IOException {
        pods.whenCreated = () -> {
            pods.say("inj-0", 0, "R 0 0");
            pods.say("inj-1", 0, "R 0 0");
        };
        InjectorFleet fleet = fleet();
        long start = fleet.prepare(TWO_INJECTORS, TWO_INJECTORS.url(), Map.of(), frames::add)
                .orElseThrow();
        assertThat(start).isEqualTo(now.get() + InjectorFleet.STARTUP.toMillis());
        return fleet;
    }

    @Test
    void eachInjectorPlaysItsShareAndItsFramesAreHandedOverOnce() throws Exception {
        InjectorFleet fleet = ready();
        assertThat(pods.made.plans()).hasSize(2).allSatisfy(p -> assertThat(p).contains("arrivals=hold 20.0 30000"));
        assertThat(pods.made.avoidNodes()).containsExactly("node-9");
        pods.say("inj-0", 1, frame(0, 10));
        pods.say("inj-1", 1, frame(0, 7));
        pods.say("inj-1", 1, frame(0, 7)); // the same line again, after the log was followed anew
        pods.line("inj-0", "Gatling's own console line");
        await().atMost(Duration.ofSeconds(5)).until(() -> frames.size() == 2);
        Thread.sleep(200);
        assertThat(frames).hasSize(2);
        assertThat(frames.stream().mapToLong(LoadFrame::requests).sum()).isEqualTo(17);
        assertThat(Files.readString(dir.resolve("injector-0.log"))).contains("Gatling's own console line");
        fleet.close();
        assertThat(pods.removed).containsExactly("run-1");
        assertThat(fleet.injectors()).extracting(i -> i.requests()).containsExactly(10L, 7L);
    }

    @Test
    void aClockSecondsBehindHasItsFramesMovedToTheRunsSecond() throws Exception {
        InjectorFleet fleet = ready();
        // Injector 1's clock reads 3 s less than the agent's when its heartbeat arrives.
        pods.say("inj-1", 1, "T " + (now.get() - 3_000));
        pods.say("inj-0", 1, "T " + (now.get() - 20));
        Thread.sleep(200);
        pods.say("inj-1", 2, frame(5, 4));
        pods.say("inj-0", 2, frame(5, 4));
        await().atMost(Duration.ofSeconds(5)).until(() -> frames.size() == 2);
        assertThat(frames).extracting(LoadFrame::second).containsExactlyInAnyOrder(5L, 8L);
        fleet.close();
        assertThat(fleet.injectors()).extracting(i -> i.shiftedSeconds()).containsExactly(0L, 3L);
        assertThat(fleet.injectors()).extracting(i -> i.skewBoundMs()).containsExactly(20L, 3_000L);
    }

    @Test
    void anInjectorSilentWhileItsPlanRunsIsNamedWithTheShareItTookAlong() throws Exception {
        InjectorFleet fleet = ready();
        long start = now.get() + InjectorFleet.STARTUP.toMillis();
        now.set(start + 10_000);
        pods.say("inj-0", 1, "T " + now.get());
        await().atMost(Duration.ofSeconds(5))
                .until(() -> fleet.injectors().get(0).skewBoundMs() != null);
        assertThat(fleet.failure().orElseThrow())
                .contains("injector 1 (pod inj-1 on node node-1) stopped reporting at T+0:00")
                .contains("pod Failed, exited with code 137")
                .contains("600 of the run's 1200 requests (50.0 %), was not sent");
        fleet.close();
        assertThat(fleet.injectors().get(1).failure()).contains("injector 1");
        assertThat(fleet.injectors().get(0).failure()).isNull();
    }

    @Test
    void anInjectorThatEndsBeforeItsPlanDidIsAFailureToo() throws Exception {
        InjectorFleet fleet = ready();
        now.set(now.get() + InjectorFleet.STARTUP.toMillis() + 12_000);
        // A SIGTERM: it flushed what it had and said it ended, 12 s into a 30 s plan.
        pods.say("inj-0", 1, "E " + now.get());
        pods.say("inj-1", 1, "T " + now.get());
        heard(fleet, 1, 1);
        assertThat(fleet.failure().orElseThrow())
                .contains("injector 0 (pod inj-0 on node node-0) ended before its plan did at T+0:12")
                .contains("360 of the run's 1200 requests (30.0 %), was not sent");
        fleet.close();
    }

    @Test
    void atThePlansEndEachInjectorMustHaveEndedAndPlayedItsShare() throws Exception {
        InjectorFleet fleet = ready();
        // Past the plan (30 s), its requests' timeout (2 s) and the margin for the injectors to end.
        now.set(now.get() + InjectorFleet.STARTUP.toMillis() + 50_000);
        // Injector 0 ended after its plan having sent 500 of its 600: its heartbeats went on, its
        // Gatling did not; injector 1 sent all, but never said it ended (killed in the last seconds).
        pods.say("inj-0", 1, frame(3, 500));
        pods.say("inj-0", 2, "E " + now.get());
        pods.say("inj-1", 1, frame(3, 600));
        await().atMost(Duration.ofSeconds(5)).until(() -> frames.size() == 2);
        assertThat(fleet.awaitEnd(Duration.ofMillis(300))).isFalse();
        assertThat(fleet.injectors())
                .extracting(i -> i.failure())
                .containsExactly(
                        "injector 0 (pod inj-0 on node node-0) sent 500 of the 600 requests of its share (50 % of the run's"
                                + " 1200): it fell short",
                        "injector 1 (pod inj-1 on node node-1) did not say it ended (pod Failed, exited with code 137): its"
                                + " last frames may be missing");
        assertThat(fleet.failure().orElseThrow()).startsWith("injector 0 (pod inj-0");
        fleet.close();
    }

    @Test
    void anEarlyEndWithItsShareSentIsNoFailureButASignalIs() throws Exception {
        InjectorFleet fleet = ready();
        now.set(now.get() + InjectorFleet.STARTUP.toMillis() + 27_000);
        // Injector 0 sent its whole share and its plan ran out (a low rate's last request goes out
        // early); injector 1 was stopped by a signal nobody in the run sent.
        pods.say("inj-0", 1, frame(3, 600));
        pods.say("inj-0", 2, "E " + now.get() + " played");
        pods.say("inj-1", 1, frame(3, 590));
        pods.say("inj-1", 2, "E " + now.get() + " signalled");
        heard(fleet, 2, 2);
        assertThat(fleet.failure().orElseThrow())
                .startsWith("injector 1 (pod inj-1 on node node-1) ended before its plan did at T+0:27");
        assertThat(fleet.injectors().get(0).failure()).isNull();
        fleet.close();
    }

    @Test
    void linesLostWhileALogWasFollowedAgainAreAFailureNotAQuietGap() throws Exception {
        InjectorFleet fleet = ready();
        pods.say("inj-0", 1, "T " + now.get());
        pods.say("inj-0", 6, frame(0, 3));
        await().atMost(Duration.ofSeconds(5)).until(() -> fleet.failure().isPresent());
        assertThat(fleet.failure().orElseThrow())
                .startsWith("injector 0 (pod inj-0): 4 line(s) of its stream were lost");
        fleet.close();
    }

    @Test
    void anInjectorNotReadyInTimeStopsTheStartAndTheFleetIsRemoved() {
        pods.whenCreated = () -> pods.say("inj-0", 0, "R 0 0");
        pods.states.put(
                "inj-1", new InjectorCluster.PodState(false, false, "", "pod Pending, not scheduled: 0/3 nodes"));
        // Each look at the clock is 5 s later: the start's deadline comes within a few looks.
        InjectorFleet fleet = new InjectorFleet(
                pods, "run-1", Map.of(), Set.of(), Redaction.none(), dir, false, () -> now.addAndGet(5_000));
        assertThatThrownBy(() -> fleet.prepare(TWO_INJECTORS, TWO_INJECTORS.url(), Map.of(), frames::add))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("injector 1 (pod inj-1) was not ready 25 s after it was made")
                .hasMessageContaining("not scheduled: 0/3 nodes");
        assertThat(pods.removed).containsExactly("run-1");
    }

    /** Until the fleet has heard each injector's lines up to these numbers. */
    private static void heard(InjectorFleet fleet, long first, long second) {
        await().atMost(Duration.ofSeconds(5)).until(() -> fleet.heardUpTo(0) == first && fleet.heardUpTo(1) == second);
    }

    private static String frame(long second, int requests) {
        Histogram h = new Histogram(3);
        for (int i = 0; i < requests; i++) {
            h.recordValue(5 + i);
        }
        ByteBuffer buffer = ByteBuffer.allocate(h.getNeededByteBufferCapacity());
        int length = h.encodeIntoCompressedByteBuffer(buffer);
        return "S %d %d %s - - - -"
                .formatted(
                        second,
                        1_800_000_000_000L + second * 1000,
                        Base64.getEncoder().encodeToString(java.util.Arrays.copyOf(buffer.array(), length)));
    }

    /** Pods as queues of output lines; inj-1 has failed once its lines are read, inj-0 runs. */
    static final class FakeInjectors implements InjectorCluster {
        final Map<String, BlockingQueue<String>> output = new ConcurrentHashMap<>();
        final Map<String, PodState> states = new ConcurrentHashMap<>();
        final Map<String, Long> sequence = new ConcurrentHashMap<>();
        final List<String> removed = new CopyOnWriteArrayList<>();
        Runnable whenCreated = () -> {};
        Spec made;

        private static final String END = "\u0000end";

        @Override
        public Optional<String> refusal(Spec spec) {
            return Optional.empty();
        }

        @Override
        public List<String> create(Spec spec) {
            made = spec;
            List<String> names = new ArrayList<>();
            for (int i = 0; i < spec.plans().size(); i++) {
                String name = "inj-" + i;
                names.add(name);
                output.put(name, new LinkedBlockingQueue<>());
                states.putIfAbsent(
                        name,
                        i == 1
                                ? new PodState(false, false, "node-1", "pod Failed, exited with code 137")
                                : new PodState(false, false, "node-0", "pod Running"));
            }
            whenCreated.run();
            return names;
        }

        /** A line of the pod's stream with sequence number {@code seq}. */
        void say(String pod, long seq, String body) {
            line(pod, InjectorFleet.OUTCOME_PREFIX + seq + " " + body);
        }

        void line(String pod, String line) {
            output.get(pod).add(line);
        }

        @Override
        public void follow(String pod, Consumer<String> lines) throws InterruptedException {
            BlockingQueue<String> q = output.get(pod);
            while (true) {
                String line = q.take();
                if (line.equals(END)) {
                    q.add(END);
                    return;
                }
                lines.accept(line);
            }
        }

        @Override
        public PodState state(String pod) {
            return states.get(pod);
        }

        @Override
        public List<String> remove(String run) {
            removed.add(run);
            output.values().forEach(q -> q.add(END));
            return List.of();
        }
    }
}
