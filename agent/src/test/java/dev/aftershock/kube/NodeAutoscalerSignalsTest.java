package dev.aftershock.kube;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonParser;
import dev.aftershock.evaluation.Observed.NodeAutoscaling.Step;
import io.kubernetes.client.openapi.models.CoreV1Event;
import io.kubernetes.client.openapi.models.V1ObjectReference;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * The node autoscalers' signals in the formats they document: the cluster-autoscaler's Events
 * (core/utils and scaledown/actuation in its repository) and its status ConfigMap (the
 * {@code ClusterAutoscalerStatus} of its clusterstate/api, YAML since 1.30), and Karpenter's
 * NodeClaims and Nominated Events (proven live on the testbed by NodeAutoscalerE2E).
 */
class NodeAutoscalerSignalsTest {
    private static CoreV1Event event(String kind, String name, String reason, String message) {
        return new CoreV1Event()
                .involvedObject(new V1ObjectReference().kind(kind).name(name))
                .reason(reason)
                .message(message);
    }

    @Test
    void theClusterAutoscalersScaleUpEventNamesTheGroupsItGrows() {
        String message = "pod triggered scale-up: [{general-pool 2->4 (max: 10)} {spot-pool 0->1 (max: 3)}]";

        assertThat(NodeAutoscalerSignals.ofEvent(event("Pod", "web-1", "TriggeredScaleUp", message)))
                .contains(new NodeAutoscalerSignals.Signal(
                        "cluster-autoscaler", Step.SCALE_UP_DECIDED, "pod/web-1", "", message));
        assertThat(NodeAutoscalerSignals.scaleUpGroups(message))
                .containsExactly(
                        new NodeAutoscalerSignals.ScaleUpGroup("general-pool", 2, 4, 10),
                        new NodeAutoscalerSignals.ScaleUpGroup("spot-pool", 0, 1, 3));
    }

    @Test
    void aPodThatWouldNotFitOnANewNodeIsNoScaleUp() {
        String message = "pod didn't trigger scale-up (it wouldn't fit if a new node is added): 1 max node group size"
                + " reached, 2 node(s) didn't match Pod's node affinity/selector";

        assertThat(NodeAutoscalerSignals.ofEvent(event("Pod", "web-2", "NotTriggerScaleUp", message)))
                .hasValueSatisfying(s -> {
                    assertThat(s.step()).isEqualTo(Step.NO_SCALE_UP);
                    assertThat(s.message()).contains("max node group size reached");
                });
    }

    @Test
    void theScaleDownMarkOnANodeIsTheDecisionAndItsPodEvictionsAreNot() {
        assertThat(NodeAutoscalerSignals.ofEvent(
                        event("Node", "ip-10-0-1-7", "ScaleDown", "marked the node as toBeDeleted/unschedulable")))
                .hasValueSatisfying(s -> {
                    assertThat(s.step()).isEqualTo(Step.SCALE_DOWN_DECIDED);
                    assertThat(s.node()).isEqualTo("ip-10-0-1-7");
                    assertThat(s.autoscaler()).isEqualTo("cluster-autoscaler");
                });
        assertThat(NodeAutoscalerSignals.ofEvent(
                        event("Pod", "web-3", "ScaleDown", "deleting pod for node scale down")))
                .isEmpty();
        assertThat(NodeAutoscalerSignals.ofEvent(event(
                        "Node", "ip-10-0-1-7", "ScaleDownFailed", "failed to drain the node, aborting ScaleDown")))
                .isEmpty();
    }

    @Test
    void karpentersNominationNamesTheClaimAndTheNode() {
        assertThat(NodeAutoscalerSignals.ofEvent(event(
                        "Pod",
                        "web-4",
                        "Nominated",
                        "Pod should schedule on: nodeclaim/autoscaled-x7k2p, node/kwok-a1")))
                .hasValueSatisfying(s -> {
                    assertThat(s.autoscaler()).isEqualTo("karpenter");
                    assertThat(s.step()).isEqualTo(Step.NOMINATED);
                    assertThat(s.node()).isEqualTo("kwok-a1");
                    assertThat(s.message()).endsWith("(nodeclaim/autoscaled-x7k2p)");
                });
        assertThat(NodeAutoscalerSignals.ofEvent(
                        event("Pod", "web-5", "Nominated", "Pod should schedule on: nodeclaim/autoscaled-x7k2p")))
                .hasValueSatisfying(s -> assertThat(s.node()).isEmpty());
    }

    @Test
    void aNodeClaimsTrueConditionsAreItsStepsInOrder() {
        var raw = JsonParser.parseString("""
                        {"apiVersion": "karpenter.sh/v1", "kind": "NodeClaim",
                         "metadata": {"name": "autoscaled-x7k2p", "creationTimestamp": "2026-11-30T03:00:00Z"},
                         "status": {"nodeName": "autoscaled-x7k2p", "conditions": [
                           {"type": "Initialized", "status": "False"},
                           {"type": "Registered", "status": "True"},
                           {"type": "Launched", "status": "True"},
                           {"type": "Ready", "status": "True"}]}}""").getAsJsonObject();

        var claim = NodeAutoscalerSignals.nodeClaim(raw);

        assertThat(claim.name()).isEqualTo("autoscaled-x7k2p");
        assertThat(claim.created()).isEqualTo(Instant.parse("2026-11-30T03:00:00Z"));
        assertThat(claim.deleting()).isFalse();
        assertThat(claim.nodeName()).isEqualTo("autoscaled-x7k2p");
        assertThat(claim.steps()).containsExactly(Step.LAUNCHED, Step.REGISTERED);
    }

    @Test
    void aNodeClaimBeingDeletedSaysSo() {
        var raw = JsonParser.parseString("""
                        {"metadata": {"name": "c", "creationTimestamp": "2026-11-30T03:00:00Z",
                                      "deletionTimestamp": "2026-11-30T03:05:00Z"}}""").getAsJsonObject();

        assertThat(NodeAutoscalerSignals.nodeClaim(raw).deleting()).isTrue();
        assertThat(NodeAutoscalerSignals.nodeClaim(raw).steps()).isEmpty();
    }

    @Test
    void theStatusConfigMapsYamlGivesScaleUpScaleDownAndEachGroup() {
        String status = """
                time: 2026-11-30 03:00:10.123456789 +0000 UTC
                autoscalerStatus: Running
                clusterWide:
                  health:
                    status: Healthy
                    nodeCounts:
                      registered: {total: 5, ready: 4, notStarted: 1}
                      longUnregistered: 0
                      unregistered: 0
                    lastProbeTime: "2026-11-30T03:00:10Z"
                    lastTransitionTime: "2026-11-30T02:00:00Z"
                  scaleUp:
                    status: InProgress
                    lastProbeTime: "2026-11-30T03:00:10Z"
                    lastTransitionTime: "2026-11-30T03:00:02Z"
                  scaleDown:
                    status: CandidatesPresent
                    candidates: 1
                    lastProbeTime: "2026-11-30T03:00:10Z"
                    lastTransitionTime: "2026-11-30T02:50:00Z"
                nodeGroups:
                - name: general-pool
                  health:
                    status: Healthy
                    nodeCounts:
                      registered: {total: 5, ready: 4, notStarted: 1}
                    cloudProviderTarget: 6
                    minSize: 1
                    maxSize: 10
                  scaleUp:
                    status: InProgress
                  scaleDown:
                    status: CandidatesPresent
                    candidates: 1
                """;

        var parsed = NodeAutoscalerSignals.clusterAutoscalerStatus(status).orElseThrow();

        assertThat(parsed.scalingUp()).isTrue();
        assertThat(parsed.summary()).isEqualTo("scale-up InProgress, scale-down CandidatesPresent (1), health Healthy");
        assertThat(parsed.nodeGroups())
                .containsExactly(new NodeAutoscalerSignals.ClusterAutoscalerStatus.NodeGroup(
                        "general-pool", "InProgress", 6, 1, 10));
    }

    @Test
    void theOldFreeTextStatusIsNotReadAsYaml() {
        String old = """
                Cluster-autoscaler status at 2023-01-01 00:00:00 +0000 UTC:
                Cluster-wide:
                  Health:      Healthy (ready=3 unready=0 notStarted=0 longNotStarted=0 registered=3)
                  ScaleUp:     NoActivity (ready=3 registered=3)
                """;

        assertThat(NodeAutoscalerSignals.clusterAutoscalerStatus(old)).isEmpty();
        assertThat(NodeAutoscalerSignals.clusterAutoscalerStatus("")).isEmpty();
    }
}
