package dev.aftershock.kube;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubernetes.client.informer.ResourceEventHandler;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1Pod;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Readers of a shared informer join its one handler whenever they come, and miss nothing. */
class HandlersTest {
    private static V1Pod pod(String name) {
        return new V1Pod()
                .metadata(new V1ObjectMeta().name(name).namespace("ns").uid(name));
    }

    /** What a reader was told, in order. */
    private static class Told implements ResourceEventHandler<V1Pod> {
        final List<String> told = new ArrayList<>();

        @Override
        public void onAdd(V1Pod pod) {
            told.add("add " + pod.getMetadata().getName());
        }

        @Override
        public void onUpdate(V1Pod before, V1Pod pod) {
            told.add("update " + pod.getMetadata().getName());
        }

        @Override
        public void onDelete(V1Pod pod, boolean unknown) {
            told.add("delete " + pod.getMetadata().getName());
        }
    }

    @Test
    void theFirstListIsToldOnlyOnceEveryObjectOfItHasBeenToldEvenIfGoneSince() {
        Handlers<V1Pod> handlers = new Handlers<>();
        List<String> listed = List.of("ns/a", "ns/b", "ns/c");
        handlers.onAdd(pod("a"));
        assertThat(handlers.toldAll(() -> listed))
                .as("the store is ahead of the readers")
                .isFalse();
        handlers.onAdd(pod("b"));
        handlers.onDelete(pod("b"), false);
        handlers.onUpdate(pod("c"), pod("c"));
        assertThat(handlers.toldAll(() -> listed)).isTrue();
        assertThat(handlers.toldAll(() -> List.of("ns/never")))
                .as("once told, a later reader is told everything as it joins: nothing more to wait for")
                .isTrue();
    }

    @Test
    void aReaderAddedLateIsToldWhatWasHeardThenEveryChangeInOrder() {
        Handlers<V1Pod> handlers = new Handlers<>();
        Told early = new Told();
        handlers.add(early);
        handlers.onAdd(pod("a"));
        handlers.onAdd(pod("gone"));
        handlers.onDelete(pod("gone"), false);

        Told late = new Told();
        handlers.add(late);
        handlers.onAdd(pod("b"));
        handlers.onUpdate(pod("a"), pod("a"));
        handlers.onDelete(pod("b"), false);

        assertThat(early.told).containsExactly("add a", "add gone", "delete gone", "add b", "update a", "delete b");
        assertThat(late.told)
                .as("a pod deleted before it came is not told")
                .containsExactly("add a", "add b", "update a", "delete b");
    }

    @Test
    void oneReaderThatFailsDoesNotKeepTheOthersFromBeingTold() {
        Handlers<V1Pod> handlers = new Handlers<>();
        handlers.add(new Told() {
            @Override
            public void onAdd(V1Pod pod) {
                throw new IllegalStateException("broken reader");
            }
        });
        Told other = new Told();
        handlers.add(other);

        handlers.onAdd(pod("a"));

        assertThat(other.told).containsExactly("add a");
    }
}
