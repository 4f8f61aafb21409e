package dev.aftershock.kube;

import io.kubernetes.client.util.KubeConfig;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The bearer token of a kubeconfig's current user, as kubectl would send it: a static token, or what
 * its exec plugin or auth provider hands out. A user that logs in with a client certificate has none
 * (the agent's API needs a token: pass one).
 */
public final class KubeconfigToken {
    private KubeconfigToken() {}

    public static Optional<String> of(Path kubeconfig) throws IOException {
        try (Reader reader = Files.newBufferedReader(kubeconfig, StandardCharsets.UTF_8)) {
            KubeConfig config = KubeConfig.loadKubeConfig(reader);
            config.setFile(kubeconfig.toFile());
            var credentials = config.getCredentials();
            return credentials == null
                    ? Optional.empty()
                    : Optional.ofNullable(credentials.get(KubeConfig.CRED_TOKEN_KEY))
                            .filter(t -> !t.isBlank());
        } catch (RuntimeException e) {
            throw new IOException("cannot read a token from " + kubeconfig + ": " + e.getMessage(), e);
        }
    }
}
