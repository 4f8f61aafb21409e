package dev.aftershock.kube;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubernetes.client.openapi.JSON;
import io.kubernetes.client.openapi.models.V1DeleteOptions;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PodsTest {
    private static V1DeleteOptions read(byte[] body) {
        return new JSON().deserialize(new String(body, StandardCharsets.UTF_8), V1DeleteOptions.class);
    }

    @Test
    void theHandWrittenBodyIsTheDeleteOptionsTheClientWouldSend() {
        V1DeleteOptions options = read(Pods.deleteOptions("6f1c-uid", Optional.of(Duration.ofSeconds(7)), false));
        assertEquals("v1", options.getApiVersion());
        assertEquals("DeleteOptions", options.getKind());
        assertEquals("6f1c-uid", options.getPreconditions().getUid());
        assertEquals(7L, options.getGracePeriodSeconds());
        assertTrue(options.getDryRun() == null || options.getDryRun().isEmpty());
    }

    @Test
    void thePodsOwnGraceIsLeftOutAndADryRunSaysSo() {
        V1DeleteOptions options = read(Pods.deleteOptions("u", Optional.empty(), true));
        assertNull(options.getGracePeriodSeconds());
        assertEquals(List.of("All"), options.getDryRun());
    }

    @Test
    void aUidIsEscapedNeverSpliced() {
        String hostile = "a\"},\"gracePeriodSeconds\":0,\"x\":{\"y\":\"\\\n";
        assertEquals(
                hostile,
                read(Pods.deleteOptions(hostile, Optional.empty(), false))
                        .getPreconditions()
                        .getUid());
    }
}
