package dev.aftershock.testbed;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubernetes.client.openapi.apis.RbacAuthorizationV1Api;
import io.kubernetes.client.openapi.models.AuthenticationV1TokenRequest;
import io.kubernetes.client.openapi.models.RbacV1Subject;
import io.kubernetes.client.openapi.models.V1Namespace;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1PolicyRule;
import io.kubernetes.client.openapi.models.V1Role;
import io.kubernetes.client.openapi.models.V1RoleBinding;
import io.kubernetes.client.openapi.models.V1RoleRef;
import io.kubernetes.client.openapi.models.V1ServiceAccount;
import io.kubernetes.client.openapi.models.V1TokenRequestSpec;
import java.util.List;
import java.util.Map;

/** The agent as a user installs it with the chart on the testbed, and callers of its API. */
public final class InstalledAgent {
    private InstalledAgent() {}

    /**
     * The chart installed as {@code release} into a new namespace {@code ns} that enforces the
     * restricted Pod Security profile, on a real node, its Service a NodePort; {@code values} are
     * more {@code --set} pairs. Returns the API's URL.
     */
    public static String install(TestCluster cluster, String release, String ns, String... values) throws Exception {
        return install(cluster, release, ns, List.of(), values);
    }

    /** As above, with more arguments for `helm install` ({@code --set-file} of experiments, schedules). */
    public static String install(
            TestCluster cluster, String release, String ns, List<String> helmArgs, String... values) throws Exception {
        String image = Testbed.agentImage();
        cluster.core()
                .createNamespace(new V1Namespace()
                        .metadata(new V1ObjectMeta()
                                .name(ns)
                                .labels(Map.of("pod-security.kubernetes.io/enforce", "restricted"))))
                .execute();
        List<String> args = new java.util.ArrayList<>(List.of(
                "install",
                release,
                Helm.CHART.toString(),
                "--namespace",
                ns,
                "--set",
                "image.repository=" + image.substring(0, image.lastIndexOf(':')) + ",image.tag="
                        + image.substring(image.lastIndexOf(':') + 1) + ",image.pullPolicy=Never",
                "--set",
                "nodeSelector.type=real,service.type=NodePort"
                        + (values.length == 0 ? "" : "," + String.join(",", values)),
                "--wait",
                "--timeout",
                "4m"));
        args.addAll(helmArgs);
        Helm.Result installed = Helm.run(List.of("KUBECONFIG=" + cluster.kubeconfig()), args.toArray(String[]::new));
        assertThat(installed.exitCode()).as(installed.stderr()).isZero();
        int nodePort = cluster.core()
                .readNamespacedService(release + "-aftershock", ns)
                .execute()
                .getSpec()
                .getPorts()
                .get(0)
                .getNodePort();
        return "http://" + TargetApps.nodeIp("real-node-1") + ":" + nodePort;
    }

    /** The release's agent pods (not its `helm test` pod), terminating ones included. */
    public static List<io.kubernetes.client.openapi.models.V1Pod> pods(TestCluster cluster, String release, String ns)
            throws Exception {
        return cluster
                .core()
                .listNamespacedPod(ns)
                .labelSelector("app.kubernetes.io/instance=" + release)
                .execute()
                .getItems()
                .stream()
                .filter(p -> !p.getMetadata().getName().endsWith("-test"))
                .toList();
    }

    /** The release uninstalled (waiting for its pods to go) and its namespace deleted. */
    public static void uninstall(TestCluster cluster, String release, String ns) throws Exception {
        Helm.run(
                List.of("KUBECONFIG=" + cluster.kubeconfig()),
                "uninstall",
                release,
                "--namespace",
                ns,
                "--ignore-not-found",
                "--wait");
        cluster.core().deleteNamespace(ns).execute();
    }

    /**
     * A ServiceAccount {@code name} of namespace {@code ns} granted {@code verbs} on the agent's
     * runs there (and get on its reports), as an admin grants a user; its token, valid for an hour.
     */
    public static String caller(TestCluster cluster, String ns, String name, List<String> verbs) throws Exception {
        cluster.core()
                .createNamespacedServiceAccount(ns, new V1ServiceAccount().metadata(new V1ObjectMeta().name(name)))
                .execute();
        var rbac = new RbacAuthorizationV1Api(cluster.client());
        rbac.createNamespacedRole(
                        ns,
                        new V1Role()
                                .metadata(new V1ObjectMeta().name(name))
                                .rules(List.of(
                                        new V1PolicyRule()
                                                .apiGroups(List.of("aftershock.dev"))
                                                .resources(List.of("runs"))
                                                .verbs(verbs),
                                        new V1PolicyRule()
                                                .apiGroups(List.of("aftershock.dev"))
                                                .resources(List.of("reports"))
                                                .verbs(List.of("get")))))
                .execute();
        rbac.createNamespacedRoleBinding(
                        ns,
                        new V1RoleBinding()
                                .metadata(new V1ObjectMeta().name(name))
                                .roleRef(new V1RoleRef()
                                        .apiGroup("rbac.authorization.k8s.io")
                                        .kind("Role")
                                        .name(name))
                                .subjects(List.of(new RbacV1Subject()
                                        .kind("ServiceAccount")
                                        .name(name)
                                        .namespace(ns))))
                .execute();
        return cluster.core()
                .createNamespacedServiceAccountToken(
                        name,
                        ns,
                        new AuthenticationV1TokenRequest().spec(new V1TokenRequestSpec().expirationSeconds(3600L)))
                .execute()
                .getStatus()
                .getToken();
    }
}
