package dev.aftershock.kube;

import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.util.ClientBuilder;
import io.kubernetes.client.util.KubeConfig;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * API clients built from a kubeconfig. ClientBuilder's default read timeout is infinite, which would
 * let one stuck call hang a run: ordinary calls get a finite one, watches a client of their own.
 */
public final class KubeClients {
    public static final Duration CALL_TIMEOUT = Duration.ofSeconds(30);

    private KubeClients() {}

    /** For ordinary calls: reads time out after {@link #CALL_TIMEOUT}. */
    public static ApiClient forCalls(Path kubeconfig) {
        return build(kubeconfig, CALL_TIMEOUT);
    }

    /** For watches and informers, which hold a request open on purpose. */
    public static ApiClient forWatches(Path kubeconfig) {
        return build(kubeconfig, Duration.ZERO);
    }

    private static ApiClient build(Path kubeconfig, Duration readTimeout) {
        try (Reader reader = Files.newBufferedReader(kubeconfig, StandardCharsets.UTF_8)) {
            KubeConfig config = KubeConfig.loadKubeConfig(reader);
            config.setFile(kubeconfig.toFile());
            return ClientBuilder.kubeconfig(config).setReadTimeout(readTimeout).build();
        } catch (IOException | RuntimeException e) {
            // Parse errors, files it names that are missing, a context that is not there.
            throw new UnusableKubeconfig(kubeconfig, e);
        }
    }
}
