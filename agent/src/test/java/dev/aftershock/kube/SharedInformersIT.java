package dev.aftershock.kube;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.aftershock.evaluation.Observed;
import dev.aftershock.selection.LabelSelector;
import dev.aftershock.testbed.TestCluster;
import dev.aftershock.testbed.TestWorkloads;
import dev.aftershock.testbed.TestbedExtension;
import io.kubernetes.client.custom.V1Patch;
import io.kubernetes.client.util.PatchUtils;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A run's readers of a namespace's pods (the cluster timeline, the kill tracker, the guards' live
 * state) share one watch and filter it themselves: what each sees must be what a watch of its own
 * with a server-side selector would have shown.
 */
@ExtendWith(TestbedExtension.class)
class SharedInformersIT {
    @Test
    void readersOfOneNamespaceShareOneWatchAndSeeWhatTheirSelectorsMatch(TestCluster cluster) throws Exception {
        TestWorkloads.create(cluster, TestWorkloads.onKwok("shared", 2, "10m", Map.of()));
        await().atMost(Duration.ofSeconds(60)).until(() -> TestWorkloads.availableReplicas(cluster, "shared") == 2);
        List<Observed.PodStatus> seen = new CopyOnWriteArrayList<>();
        try (var informers = informers(cluster);
                var watch = targetWatch(informers, cluster, "shared", o -> {
                    if (o instanceof Observed.PodStatus p) {
                        seen.add(p);
                    }
                });
                var kills = new PodKillTracker(informers, cluster.namespace(), Map.of("app", "shared"))) {
            assertThat(watch.start(Duration.ofSeconds(30))).isTrue();
            assertThat(informers.pods(cluster.namespace()))
                    .as("one informer per namespace, whoever asks")
                    .isSameAs(informers.pods(cluster.namespace()));

            // A pod whose labels stop matching leaves the target's pods, as with a server-side selector.
            var pods = TestWorkloads.pods(cluster, "shared");
            var relabelled = pods.get(0);
            PatchUtils.patch(
                    Object.class,
                    () -> cluster.core()
                            .patchNamespacedPod(
                                    relabelled.getMetadata().getName(),
                                    cluster.namespace(),
                                    new V1Patch("{\"metadata\":{\"labels\":{\"app\":\"elsewhere\"}}}"))
                            .buildCall(null),
                    V1Patch.PATCH_FORMAT_STRATEGIC_MERGE_PATCH,
                    cluster.client());
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> seen.stream()
                            .anyMatch(
                                    p -> p.uid().equals(relabelled.getMetadata().getUid()) && p.gone()));

            // The kill tracker on the same watch: the killed pod gone, a new pod of the selector Ready.
            var killed = pods.get(1);
            Instant killedAt = Instant.now();
            cluster.core()
                    .deleteNamespacedPod(killed.getMetadata().getName(), cluster.namespace())
                    .gracePeriodSeconds(0)
                    .execute();
            Instant deadline = Instant.now().plusSeconds(60);
            assertThat(kills.awaitGone(killed.getMetadata().getUid(), deadline)).isPresent();
            assertThat(kills.claim(killedAt, deadline))
                    .as("a replacement became Ready")
                    .isPresent();
            assertThat(seen)
                    .as("pods outside the selector are not the target's")
                    .noneMatch(p -> !p.gone()
                            && p.uid().equals(relabelled.getMetadata().getUid())
                            && seen.indexOf(p)
                                    > lastGoneIndex(
                                            seen, relabelled.getMetadata().getUid()));
        }
    }

    /**
     * A watch that says it has listed must have told its reader every pod there was: the timeline
     * calls a pod heard of after that "created" during the run (and a node "added", which the nodes
     * hypothesis reads as the autoscaler's doing). client-java's informer has the list in its store
     * before its handlers have heard it: with a few hundred pods on a busy machine, the later ones used to arrive after.
     */
    @Test
    void aWatchThatHasListedHasToldItsReaderEveryPodThatExisted(TestCluster cluster) throws Exception {
        int replicas = 200;
        TestWorkloads.create(cluster, TestWorkloads.onKwok("many", replicas, "1m", Map.of()));
        await().atMost(Duration.ofSeconds(120))
                .until(() -> TestWorkloads.availableReplicas(cluster, "many") == replicas);
        java.util.Set<String> heard = java.util.concurrent.ConcurrentHashMap.newKeySet();
        try (var informers = informers(cluster);
                var watch = targetWatch(informers, cluster, "many", o -> {
                    if (o instanceof Observed.PodStatus p) {
                        // A reader that takes its time (a busy machine, a long timeline): the
                        // informer's store is whole long before this has heard every pod.
                        sleep(5);
                        heard.add(p.uid());
                    }
                })) {
            assertThat(watch.start(Duration.ofSeconds(30))).isTrue();
            assertThat(heard).as("pods told by the time the watch has listed").hasSize(replicas);
        } finally {
            cluster.apps()
                    .deleteNamespacedDeployment("many", cluster.namespace())
                    .execute();
        }
    }

    private static SharedInformers informers(TestCluster cluster) {
        return new SharedInformers(KubeClients.forWatches(new ClusterAccess.Kubeconfig(cluster.kubeconfig())));
    }

    /** The watch a run opens on deployment {@code app} and its pods (selector app={@code app}). */
    private static ClusterWatch targetWatch(
            SharedInformers informers, TestCluster cluster, String app, java.util.function.Consumer<Observed> sink) {
        return new ClusterWatch(
                informers,
                new ClusterWatch.Scope(
                        cluster.namespace(), LabelSelector.of(Map.of("app", app)), "deployment", app, true),
                System::currentTimeMillis,
                sink);
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static int lastGoneIndex(List<Observed.PodStatus> seen, String uid) {
        int last = -1;
        for (int i = 0; i < seen.size(); i++) {
            if (seen.get(i).uid().equals(uid) && seen.get(i).gone()) {
                last = i;
            }
        }
        return last;
    }
}
