package dev.aftershock.kube;

import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.util.ClientBuilder;
import io.kubernetes.client.util.KubeConfig;
import io.kubernetes.client.util.credentials.TokenFileAuthentication;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * API clients built from a kubeconfig or a pod's service account. ClientBuilder's default read
 * timeout is infinite, which would let one stuck call hang a run: ordinary calls get a finite one,
 * watches a client of their own.
 */
public final class KubeClients {
    public static final Duration CALL_TIMEOUT = Duration.ofSeconds(30);

    private KubeClients() {}

    /** For ordinary calls: reads time out after {@link #CALL_TIMEOUT}. */
    public static ApiClient forCalls(ClusterAccess access) {
        return build(access, CALL_TIMEOUT);
    }

    /** For watches and informers, which hold a request open on purpose. */
    public static ApiClient forWatches(ClusterAccess access) {
        return build(access, Duration.ZERO);
    }

    /**
     * Clients that authenticate as callers of the agent's API (each with the caller's bearer token),
     * never as the agent: for the reviews a caller asks about itself. Same server and certificate
     * authority as {@code access}; none of its credentials.
     */
    public static java.util.function.Function<String, ApiClient> asCallers(ClusterAccess access) {
        // Built once (server, CA, no credential at all); each caller's client shares its connections.
        ApiClient base = withoutCredentials(access);
        return token -> {
            ApiClient caller = new ApiClient(base.getHttpClient()
                    .newBuilder()
                    .addInterceptor(chain -> chain.proceed(chain.request()
                            .newBuilder()
                            .header("Authorization", "Bearer " + token)
                            .build()))
                    .build());
            caller.setBasePath(base.getBasePath());
            return caller;
        };
    }

    private static ApiClient withoutCredentials(ClusterAccess access) {
        try {
            ClientBuilder builder = switch (access) {
                case ClusterAccess.Kubeconfig k -> {
                    try (Reader reader = Files.newBufferedReader(k.file(), StandardCharsets.UTF_8)) {
                        KubeConfig config = KubeConfig.loadKubeConfig(reader);
                        config.setFile(k.file().toFile());
                        yield ClientBuilder.kubeconfig(config);
                    }
                }
                case ClusterAccess.ServiceAccount sa ->
                    new ClientBuilder()
                            .setBasePath(sa.url())
                            .setCertificateAuthority(Files.readAllBytes(sa.certificateAuthority()));
            };
            // No credential of the agent's may reach a request made for a caller (a client certificate
            // would authenticate it as the agent): the caller's token is the only one sent.
            return builder.setAuthentication(client -> {})
                    .setReadTimeout(CALL_TIMEOUT)
                    .build();
        } catch (IOException | RuntimeException e) {
            throw new UnusableClusterAccess(access, e);
        }
    }

    private static ApiClient build(ClusterAccess access, Duration readTimeout) {
        try {
            return switch (access) {
                case ClusterAccess.Kubeconfig k -> fromKubeconfig(k.file(), readTimeout);
                case ClusterAccess.ServiceAccount sa -> fromServiceAccount(sa, readTimeout);
            };
        } catch (IOException | RuntimeException e) {
            // Parse errors, files it names that are missing, a context that is not there.
            throw new UnusableClusterAccess(access, e);
        }
    }

    private static ApiClient fromKubeconfig(Path kubeconfig, Duration readTimeout) throws IOException {
        try (Reader reader = Files.newBufferedReader(kubeconfig, StandardCharsets.UTF_8)) {
            KubeConfig config = KubeConfig.loadKubeConfig(reader);
            config.setFile(kubeconfig.toFile());
            ApiClient client =
                    ClientBuilder.kubeconfig(config).setReadTimeout(readTimeout).build();
            // Tokens that expire are fetched again as they do (the builder read them only once).
            ExecCredentials.forCurrentUser(config, kubeconfig)
                    .ifPresent(fresh -> client.setHttpClient(client.getHttpClient()
                            .newBuilder()
                            .addInterceptor(fresh)
                            .build()));
            return client;
        }
    }

    /**
     * What ClientBuilder.cluster() does, from a directory given rather than the fixed mount path. The
     * token is read again as the kubelet rotates it (projected tokens expire within the hour).
     */
    private static ApiClient fromServiceAccount(ClusterAccess.ServiceAccount sa, Duration readTimeout)
            throws IOException {
        if (!Files.isRegularFile(sa.token())) {
            throw new NoSuchFileException(sa.token().toString());
        }
        return new ClientBuilder()
                .setBasePath(sa.url())
                .setAuthentication(new TokenFileAuthentication(sa.token().toString()))
                .setCertificateAuthority(Files.readAllBytes(sa.certificateAuthority()))
                .setReadTimeout(readTimeout)
                .build();
    }
}
