package dev.aftershock.kube;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubernetes.client.util.KubeConfig;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The exec plugin runs again when its token is about to expire, and not before. */
class ExecCredentialsTest {
    private static Path plugin(Path dir, String expiresIn) throws Exception {
        Path script = dir.resolve("plugin.sh");
        Files.writeString(script, """
                #!/bin/sh
                n=$(cat "$(dirname "$0")/calls" 2>/dev/null || echo 0); n=$((n+1)); echo $n > "$(dirname "$0")/calls"
                echo '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"t'$n'","expirationTimestamp":"'$(date -u -d "%s" +%%Y-%%m-%%dT%%H:%%M:%%SZ)'"}}'
                """.formatted(expiresIn));
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        return script;
    }

    private static ExecCredentials credentials(Path dir) throws Exception {
        String yaml = """
                apiVersion: v1
                kind: Config
                current-context: c
                contexts: [{name: c, context: {cluster: k, user: u}}]
                clusters: [{name: k, cluster: {server: "https://127.0.0.1:1"}}]
                users: [{name: u, user: {exec: {apiVersion: client.authentication.k8s.io/v1, command: ./plugin.sh}}}]
                """;
        Path kubeconfig = dir.resolve("config");
        Files.writeString(kubeconfig, yaml);
        return ExecCredentials.forCurrentUser(KubeConfig.loadKubeConfig(new StringReader(yaml)), kubeconfig)
                .orElseThrow();
    }

    @Test
    void aTokenAboutToExpireIsFetchedAgain(@TempDir Path dir) throws Exception {
        plugin(dir, "now + 5 seconds");
        ExecCredentials c = credentials(dir);
        assertThat(c.token(false)).isEqualTo("t1");
        assertThat(c.token(false)).as("within the renewal margin").isEqualTo("t2");
    }

    @Test
    void aTokenStillValidIsReusedUntilA401(@TempDir Path dir) throws Exception {
        plugin(dir, "now + 1 hour");
        ExecCredentials c = credentials(dir);
        assertThat(c.token(false)).isEqualTo("t1");
        assertThat(c.token(false)).isEqualTo("t1");
        assertThat(c.token(true)).as("a 401 forces a fresh one").isEqualTo("t2");
    }
}
