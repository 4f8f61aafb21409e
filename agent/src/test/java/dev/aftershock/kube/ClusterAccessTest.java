package dev.aftershock.kube;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** kubectl's order: the flag, $KUBECONFIG, ~/.kube/config, then a pod's service account. */
class ClusterAccessTest {
    @TempDir
    Path dir;

    private Path home;
    private Path serviceAccount;

    private static final Map<String, String> IN_A_POD =
            Map.of("KUBERNETES_SERVICE_HOST", "10.0.0.1", "KUBERNETES_SERVICE_PORT", "443");

    private void setUp(boolean homeConfig, boolean token) throws IOException {
        home = Files.createDirectories(dir.resolve("home"));
        serviceAccount = Files.createDirectories(dir.resolve("serviceaccount"));
        if (homeConfig) {
            Files.createDirectories(home.resolve(".kube"));
            Files.writeString(home.resolve(".kube/config"), "kind: Config\n");
        }
        if (token) {
            Files.writeString(serviceAccount.resolve("token"), "t");
        }
    }

    @Test
    void theFlagComesFirstAndMustExist() throws IOException {
        setUp(true, true);
        Path given = Files.writeString(dir.resolve("given"), "kind: Config\n");
        assertThat(ClusterAccess.find(given, IN_A_POD, home, serviceAccount))
                .contains(new ClusterAccess.Kubeconfig(given));
        // A missing file named on purpose is no access at all, never a quiet fall-back to another cluster.
        assertThat(ClusterAccess.find(dir.resolve("missing"), IN_A_POD, home, serviceAccount))
                .isEmpty();
    }

    @Test
    void thenTheFirstFileOfKubeconfigThenTheHomeConfig() throws IOException {
        setUp(true, true);
        Path first = Files.writeString(dir.resolve("first"), "kind: Config\n");
        assertThat(ClusterAccess.find(
                        null,
                        Map.of("KUBECONFIG", first + java.io.File.pathSeparator + dir.resolve("second")),
                        home,
                        serviceAccount))
                .contains(new ClusterAccess.Kubeconfig(first));
        assertThat(ClusterAccess.find(null, IN_A_POD, home, serviceAccount))
                .contains(new ClusterAccess.Kubeconfig(home.resolve(".kube/config")));
    }

    @Test
    void inAPodWithoutAKubeconfigTheServiceAccount() throws IOException {
        setUp(false, true);
        assertThat(ClusterAccess.find(null, IN_A_POD, home, serviceAccount))
                .hasValueSatisfying(access -> assertThat(access.describe())
                        .isEqualTo("the pod's service account (https://10.0.0.1:443, " + serviceAccount + ")"));
        assertThat(ClusterAccess.find(null, Map.of("KUBERNETES_SERVICE_HOST", "fd00::1"), home, serviceAccount))
                .contains(new ClusterAccess.ServiceAccount("fd00::1", "443", serviceAccount))
                .hasValueSatisfying(a ->
                        assertThat(((ClusterAccess.ServiceAccount) a).url()).isEqualTo("https://[fd00::1]:443"));
    }

    @Test
    void noneOutsideAPodWithoutAKubeconfig() throws IOException {
        setUp(false, false);
        assertThat(ClusterAccess.find(null, IN_A_POD, home, serviceAccount)).isEmpty();
        setUp(false, true);
        assertThat(ClusterAccess.find(null, Map.of(), home, serviceAccount)).isEmpty();
    }

    @Test
    void aServiceAccountWithoutItsCertificateAuthoritySaysSo() throws IOException {
        setUp(false, true);
        var access = new ClusterAccess.ServiceAccount("10.0.0.1", "443", serviceAccount);
        assertThatThrownBy(() -> KubeClients.forCalls(access))
                .isInstanceOf(UnusableClusterAccess.class)
                .hasMessage("cannot use the pod's service account (https://10.0.0.1:443, " + serviceAccount
                        + "): no such file " + serviceAccount.resolve("ca.crt"));
    }
}
