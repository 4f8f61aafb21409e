package dev.aftershock.run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aftershock.fault.ClusterOps;
import dev.aftershock.fault.NodeMarks;
import dev.aftershock.selection.ClusterSnapshot;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `recover` decides what to undo and what to leave: every fault kind's leftovers and every open ledger
 * entry, never those of the run that holds the lock, and a ledger is settled only when all of its run
 * was undone. Against a small fake of our own cluster facade holding node marks.
 */
class RecoveryTest {
    /** Nodes and their holders; everything else a fault might use is not needed here. */
    private static final class HeldNodes implements ClusterOps {
        final Map<String, List<NodeMarks.Holder>> held = new HashMap<>();
        final List<String> failing = new ArrayList<>();

        @Override
        public NodeMarks.Held hold(String node, NodeMarks.Holder holder) {
            held.computeIfAbsent(node, n -> new ArrayList<>()).add(holder);
            return new NodeMarks.Held(node, false, held.get(node).size() > 1);
        }

        @Override
        public NodeMarks.Released release(String node, NodeMarks.Holder holder) {
            if (failing.contains(node)) {
                throw new IllegalStateException("HTTP 403: forbidden");
            }
            List<NodeMarks.Holder> holders = held.getOrDefault(node, new ArrayList<>());
            boolean was = holders.remove(holder);
            return new NodeMarks.Released(node, was, was && holders.isEmpty(), List.copyOf(holders));
        }

        @Override
        public List<NodeMarks.HeldNode> heldNodes() {
            return held.entrySet().stream()
                    .filter(e -> !e.getValue().isEmpty())
                    .map(e -> new NodeMarks.HeldNode(e.getKey(), new NodeMarks.State(e.getValue(), false)))
                    .toList();
        }

        @Override
        public List<ClusterSnapshot.NodeView> nodes() {
            return List.of();
        }

        @Override
        public List<ClusterSnapshot.PodView> pods(String namespace) {
            return List.of();
        }

        @Override
        public PodDeletion deletePod(String namespace, String name, String uid, Optional<Duration> gracePeriod) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void rehearseDelete(String namespace, String name, String uid, Optional<Duration> gracePeriod) {}

        @Override
        public Eviction evict(String namespace, String name, String uid, Optional<Duration> gracePeriod) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Optional<String> uidOf(String namespace, String name) {
            return Optional.empty();
        }

        @Override
        public boolean awaitGone(
                String namespace, String name, String uid, Instant deadline, java.util.function.BooleanSupplier stop) {
            return true;
        }

        @Override
        public KillWatch watchKills(String namespace, Map<String, String> selector) {
            throw new UnsupportedOperationException();
        }

        @Override
        public RotationWatch watchRotation(String namespace) {
            throw new UnsupportedOperationException();
        }

        @Override
        public HelperStarted startHelper(dev.aftershock.fault.HelperJob job, java.time.Instant deadline) {
            throw new UnsupportedOperationException();
        }

        @Override
        public HelperEnded endHelper(String namespace, String pod, java.time.Instant deadline) {
            throw new UnsupportedOperationException();
        }

        @Override
        public long restartRollout(String namespace, String kind, String name, java.time.Instant at) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Optional<java.time.Instant> awaitRollout(
                String namespace, String kind, String name, long generation, java.time.Instant deadline) {
            return Optional.empty();
        }

        @Override
        public Optional<HelperEnded> awaitHelper(String namespace, String pod, java.time.Instant deadline) {
            return Optional.empty();
        }

        @Override
        public List<HelperPod> helperPods() {
            return List.of();
        }

        @Override
        public Optional<String> helperRefusal(dev.aftershock.fault.HelperJob job) {
            return Optional.empty();
        }

        @Override
        public Optional<java.time.Instant> killedByKubelet(
                String namespace, String uid, String container, java.time.Instant since) {
            return Optional.empty();
        }

        @Override
        public Optional<PodStatusNow> podStatus(String namespace, String uid) {
            return Optional.empty();
        }

        @Override
        public NodeMemory nodeMemory(String node) {
            throw new UnsupportedOperationException();
        }

        @Override
        public boolean memoryPressure(String node) {
            return false;
        }

        @Override
        public List<PodOnNode> podsOnNode(String node) {
            return List.of();
        }

        @Override
        public Map<String, Long> memoryUseOnNode(String node) {
            return Map.of();
        }

        @Override
        public List<PodLike> podsLike(String namespace, Map<String, String> labels, String controllerUid) {
            return List.of();
        }

        @Override
        public Optional<VpaMemory> vpaMemory(String namespace, Map<String, String> podLabels, String container) {
            return Optional.empty();
        }

        @Override
        public String event(String kind, String namespace, String name, EventReason reason, String message) {
            return null;
        }
    }

    private static final NodeMarks.Holder DEAD_CORDON = new NodeMarks.Holder("dead", "c", "node-cordon");
    private static final NodeMarks.Holder DEAD_DRAIN = new NodeMarks.Holder("dead", "d", "node-drain");
    private static final NodeMarks.Holder LIVE = new NodeMarks.Holder("live", "c", "node-cordon");

    @Test
    void undoesEveryKindLeavesTheLiveRunAloneAndSettlesOnlyWholeRuns(@TempDir Path state) throws Exception {
        HeldNodes cluster = new HeldNodes();
        cluster.hold("n1", DEAD_CORDON);
        cluster.hold("n1", DEAD_DRAIN);
        cluster.hold("n2", LIVE);
        RollbackLedger.open(state, "dead", "e")
                .record(new RollbackLedger.Entry("d", "node-drain", "Node", null, "n1", "injected"));
        RollbackLedger.open(state, "live", "e")
                .record(new RollbackLedger.Entry("c", "node-cordon", "Node", null, "n2", "injected"));

        Recovery.Report report = new Recovery(cluster, state, Optional.of("live")).recoverAll();

        assertThat(report.recovered()).isEqualTo(2);
        assertThat(report.skipped())
                .as("the live run's node, once though found twice")
                .isEqualTo(1);
        assertThat(report.failures()).isZero();
        assertThat(cluster.held.get("n1")).isEmpty();
        assertThat(cluster.held.get("n2")).containsExactly(LIVE);
        assertThat(report.lines())
                .anySatisfy(l -> assertThat(l).contains("skipped node n2").contains("still running"));
        assertThat(RollbackLedger.scan(state).unsettled())
                .extracting(RollbackLedger.Ledger::runId)
                .containsExactly("live");
    }

    @Test
    void aRunWithAnyFailureKeepsItsLedgerOpen(@TempDir Path state) throws Exception {
        HeldNodes cluster = new HeldNodes();
        cluster.hold("n1", DEAD_CORDON);
        cluster.hold("n3", DEAD_DRAIN);
        cluster.failing.add("n3");

        Recovery.Report report = new Recovery(cluster, state, Optional.empty()).recoverAll();

        assertThat(report.recovered()).isEqualTo(1);
        assertThat(report.failures()).isEqualTo(1);
        assertThat(report.lines())
                .anySatisfy(
                        l -> assertThat(l).contains("could not recover node n3").contains("403"));
    }
}
