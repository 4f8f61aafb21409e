package dev.aftershock.kube;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aftershock.evaluation.Observed;
import io.kubernetes.client.openapi.models.V1ContainerState;
import io.kubernetes.client.openapi.models.V1ContainerStateRunning;
import io.kubernetes.client.openapi.models.V1ContainerStateTerminated;
import io.kubernetes.client.openapi.models.V1ContainerStatus;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodCondition;
import io.kubernetes.client.openapi.models.V1PodSpec;
import io.kubernetes.client.openapi.models.V1PodStatus;
import java.time.OffsetDateTime;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Container ends and pod disruptions read from the change between two versions of a pod, each told once. */
class PodEndsTest {
    private static V1ContainerStatus running(String id, int restarts) {
        return new V1ContainerStatus()
                .name("app")
                .restartCount(restarts)
                .state(new V1ContainerState().running(new V1ContainerStateRunning()));
    }

    private static V1ContainerStateTerminated ended(String id, String reason, int code) {
        return new V1ContainerStateTerminated().containerID(id).reason(reason).exitCode(code);
    }

    private static V1Pod pod(V1ContainerStatus status) {
        return new V1Pod()
                .metadata(new V1ObjectMeta().name("web-a").uid("a"))
                .spec(new V1PodSpec().nodeName("node-1"))
                .status(new V1PodStatus().phase("Running").qosClass("Burstable").containerStatuses(List.of(status)));
    }

    private static List<Observed.ContainerEnded> ends(V1Pod before, V1Pod now) {
        return PodEnds.containersEnded(before, now).stream().map(s -> s.at(5)).toList();
    }

    @Test
    void anOomKillIsToldOnceWhetherTheWatchSawItsTerminatedStateOrOnlyTheRestart() {
        V1Pod up = pod(running("A", 0));
        V1Pod killed = pod(new V1ContainerStatus()
                .name("app")
                .restartCount(0)
                .state(new V1ContainerState().terminated(ended("A", "OOMKilled", 137))));
        V1Pod restarted =
                pod(running("B", 1).lastState(new V1ContainerState().terminated(ended("A", "OOMKilled", 137))));

        assertThat(ends(up, killed)).singleElement().satisfies(e -> {
            assertThat(e.reason()).isEqualTo("OOMKilled");
            assertThat(e.exitCode()).isEqualTo(137);
            assertThat(e.qos()).isEqualTo("Burstable");
            assertThat(e.container()).isEqualTo("app");
        });
        assertThat(ends(killed, restarted))
                .as("the same instance, told already")
                .isEmpty();
        assertThat(ends(up, restarted)).as("only the restart was seen").hasSize(1);
        assertThat(ends(restarted, restarted)).isEmpty();
    }

    /** A crash loop: each instance once, whether the watch sees it terminated, waiting or restarted. */
    @Test
    void aCrashLoopTellsEachInstanceOnce() {
        V1Pod up = pod(running("A", 0));
        V1Pod endedA = pod(new V1ContainerStatus()
                .name("app")
                .restartCount(0)
                .state(new V1ContainerState().terminated(ended("A", "Error", 1))));
        V1Pod waiting = pod(new V1ContainerStatus()
                .name("app")
                .restartCount(1)
                .state(new V1ContainerState()
                        .waiting(new io.kubernetes.client.openapi.models.V1ContainerStateWaiting()
                                .reason("CrashLoopBackOff")))
                .lastState(new V1ContainerState().terminated(ended("A", "Error", 1))));
        V1Pod runningB = pod(running("B", 1).lastState(new V1ContainerState().terminated(ended("A", "Error", 1))));
        V1Pod endedB = pod(new V1ContainerStatus()
                .name("app")
                .restartCount(1)
                .state(new V1ContainerState().terminated(ended("B", "Error", 1)))
                .lastState(new V1ContainerState().terminated(ended("A", "Error", 1))));

        assertThat(ends(up, endedA)).hasSize(1);
        assertThat(ends(endedA, waiting)).isEmpty();
        assertThat(ends(waiting, runningB)).isEmpty();
        assertThat(ends(runningB, endedB)).hasSize(1);
        assertThat(ends(up, waiting)).as("the end first seen as a last state").hasSize(1);
    }

    @Test
    void aPodBeingDeletedOrFailedEndsAsAPodNotAsARestart() {
        V1Pod up = pod(running("A", 0));
        V1Pod deleting = pod(new V1ContainerStatus()
                .name("app")
                .restartCount(0)
                .state(new V1ContainerState().terminated(ended("A", "Error", 143))));
        deleting.getMetadata().deletionTimestamp(OffsetDateTime.now());
        assertThat(ends(up, deleting)).isEmpty();

        V1Pod evicted = pod(new V1ContainerStatus()
                .name("app")
                .restartCount(0)
                .state(new V1ContainerState()
                        .terminated(ended("A", "Error", 137).startedAt(OffsetDateTime.now()))));
        evicted.getStatus()
                .phase("Failed")
                .reason("Evicted")
                .message("The node was low on resource: memory. ")
                .conditions(List.of(new V1PodCondition()
                        .type("DisruptionTarget")
                        .status("True")
                        .reason("TerminationByKubelet")));
        assertThat(ends(up, evicted)).isEmpty();
        assertThat(PodEnds.disrupted(up, evicted).map(s -> s.at(9))).hasValueSatisfying(d -> {
            assertThat(d.failed()).isTrue();
            assertThat(d.ran()).as("its container had started").isTrue();
            assertThat(d.reason()).isEqualTo("Evicted");
            assertThat(d.disruption()).isEqualTo("TerminationByKubelet");
            assertThat(d.message()).isEqualTo("The node was low on resource: memory.");
            assertThat(d.t()).isEqualTo(9);
        });
        assertThat(PodEnds.disrupted(evicted, evicted)).as("told once").isEmpty();
        V1Pod evictedThenDeleted =
                pod(evicted.getStatus().getContainerStatuses().get(0));
        evictedThenDeleted.status(evicted.getStatus());
        evictedThenDeleted.getMetadata().deletionTimestamp(OffsetDateTime.now());
        assertThat(PodEnds.disrupted(evicted, evictedThenDeleted))
                .as("its later deletion is nothing new")
                .isEmpty();

        // Refused at admission under pressure: failed as Evicted too, but it never ran.
        V1Pod refused = new V1Pod()
                .metadata(new V1ObjectMeta().name("web-b").uid("b"))
                .spec(new V1PodSpec().nodeName("node-1"))
                .status(new V1PodStatus()
                        .phase("Failed")
                        .reason("Evicted")
                        .message("The node was low on resource: [MemoryPressure]."));
        V1Pod pending = new V1Pod()
                .metadata(new V1ObjectMeta().name("web-b").uid("b"))
                .spec(new V1PodSpec().nodeName("node-1"))
                .status(new V1PodStatus().phase("Pending"));
        assertThat(PodEnds.disrupted(pending, refused).map(x -> x.at(1)))
                .hasValueSatisfying(d -> assertThat(d.ran()).isFalse());

        // Deleted, and failed on the way out (a JVM exits 143 on SIGTERM): its deletion, not the kubelet's doing.
        V1Pod exiting = pod(new V1ContainerStatus()
                .name("app")
                .restartCount(0)
                .state(new V1ContainerState()
                        .terminated(ended("A", "Error", 143).startedAt(OffsetDateTime.now()))));
        exiting.getStatus().phase("Failed");
        exiting.getMetadata().deletionTimestamp(OffsetDateTime.now());
        assertThat(PodEnds.disrupted(up, exiting)).isEmpty();
        assertThat(PodEnds.disrupted(up, up)).isEmpty();
    }
}
