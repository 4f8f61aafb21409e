package dev.aftershock.kube;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * How the agent reaches the API server: a kubeconfig file, or, in a pod, the pod's service account.
 * Found in kubectl's order, so an SRE's habits carry over: --kubeconfig, $KUBECONFIG (its first file),
 * ~/.kube/config, then the service account a pod gets mounted.
 */
public sealed interface ClusterAccess {
    /** Where Kubernetes mounts a pod's service account token and the cluster's CA. */
    Path POD_SERVICE_ACCOUNT = Path.of("/var/run/secrets/kubernetes.io/serviceaccount");

    /** For messages: "kubeconfig /path" or "the pod's service account (https://10.0.0.1:443)". */
    String describe();

    record Kubeconfig(Path file) implements ClusterAccess {
        @Override
        public String describe() {
            return "kubeconfig " + file;
        }
    }

    /** The API server as the `kubernetes` Service the kubelet names in the environment; token and CA from {@code directory}. */
    record ServiceAccount(String host, String port, Path directory) implements ClusterAccess {
        public String url() {
            // An IPv6 service address needs brackets in a URL.
            return "https://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
        }

        public Path token() {
            return directory.resolve("token");
        }

        public Path certificateAuthority() {
            return directory.resolve("ca.crt");
        }

        @Override
        public String describe() {
            return "the pod's service account (" + url() + ", " + directory + ")";
        }
    }

    /**
     * The access to use, or empty when there is none. A kubeconfig named by the flag or by $KUBECONFIG
     * must exist: when it does not, the answer is empty rather than a quiet fall-back to another cluster.
     */
    static Optional<ClusterAccess> find(Path flag, Map<String, String> env, Path home, Path serviceAccount) {
        if (flag != null) {
            return existing(flag);
        }
        String kubeconfigs = env.get("KUBECONFIG");
        if (kubeconfigs != null && !kubeconfigs.isBlank()) {
            return existing(Path.of(kubeconfigs.split(java.io.File.pathSeparator)[0]));
        }
        Path inHome = home.resolve(".kube").resolve("config");
        if (Files.isRegularFile(inHome)) {
            return Optional.of(new Kubeconfig(inHome));
        }
        String host = env.get("KUBERNETES_SERVICE_HOST");
        String port = env.get("KUBERNETES_SERVICE_PORT");
        if (host != null && !host.isBlank() && Files.isRegularFile(serviceAccount.resolve("token"))) {
            return Optional.of(new ServiceAccount(host, port == null || port.isBlank() ? "443" : port, serviceAccount));
        }
        return Optional.empty();
    }

    private static Optional<ClusterAccess> existing(Path kubeconfig) {
        return Files.isRegularFile(kubeconfig) ? Optional.of(new Kubeconfig(kubeconfig)) : Optional.empty();
    }
}
