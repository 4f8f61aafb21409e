package dev.aftershock.run;

import dev.aftershock.testbed.Helm;
import dev.aftershock.testbed.TestCluster;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.RbacAuthorizationV1Api;
import io.kubernetes.client.openapi.models.RbacV1Subject;
import io.kubernetes.client.openapi.models.V1ClusterRole;
import io.kubernetes.client.openapi.models.V1ClusterRoleBinding;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1Role;
import io.kubernetes.client.openapi.models.V1RoleBinding;
import io.kubernetes.client.openapi.models.V1RoleRef;
import io.kubernetes.client.openapi.models.V1ServiceAccount;
import io.kubernetes.client.util.Yaml;
import java.io.IOException;
import java.util.List;

/**
 * A service account in the test's namespace bound to the agent's rules as the chart (charts/aftershock,
 * rendered by Helm) grants them: the ClusterRole with a ClusterRoleBinding, the run lock's Role with a
 * RoleBinding in its namespace.
 */
final class AgentRbac {
    static final String LOCK_NAMESPACE = "default";

    private AgentRbac() {}

    static V1ClusterRole clusterRole() throws IOException {
        return documents().stream()
                .filter(V1ClusterRole.class::isInstance)
                .map(V1ClusterRole.class::cast)
                .findFirst()
                .orElseThrow();
    }

    private static V1Role lockRole() throws IOException {
        return documents().stream()
                .filter(V1Role.class::isInstance)
                .map(V1Role.class::cast)
                .findFirst()
                .orElseThrow();
    }

    private static List<Object> documents() throws IOException {
        // The chart's own rules, as Helm renders them for a release in the lock namespace.
        return Yaml.loadAll(Helm.template(LOCK_NAMESPACE, "--skip-tests"));
    }

    static void bind(TestCluster cluster, String serviceAccount) throws ApiException, IOException {
        String ns = cluster.namespace();
        cluster.core()
                .createNamespacedServiceAccount(
                        ns, new V1ServiceAccount().metadata(new V1ObjectMeta().name(serviceAccount)))
                .execute();
        var rbac = new RbacAuthorizationV1Api(cluster.client());
        V1ClusterRole role = clusterRole();
        try {
            rbac.createClusterRole(role).execute();
        } catch (ApiException e) {
            if (e.getCode() != 409) {
                throw e;
            }
            rbac.replaceClusterRole(role.getMetadata().getName(), role).execute();
        }
        // Cluster-scoped, so not removed with the test's namespace: named after it; unbind after the class.
        rbac.createClusterRoleBinding(new V1ClusterRoleBinding()
                        .metadata(new V1ObjectMeta().name(binding(ns)))
                        .roleRef(new V1RoleRef()
                                .apiGroup("rbac.authorization.k8s.io")
                                .kind("ClusterRole")
                                .name(role.getMetadata().getName()))
                        .subjects(List.of(subject(serviceAccount, ns))))
                .execute();
        bindLock(cluster, serviceAccount);
    }

    /** The run lock's Role, bound in the lock namespace (outside the test's: removed by unbind). */
    static void bindLock(TestCluster cluster, String serviceAccount) throws ApiException, IOException {
        var rbac = new RbacAuthorizationV1Api(cluster.client());
        V1Role lock = lockRole();
        try {
            rbac.createNamespacedRole(LOCK_NAMESPACE, lock).execute();
        } catch (ApiException e) {
            if (e.getCode() != 409) {
                throw e;
            }
            rbac.replaceNamespacedRole(lock.getMetadata().getName(), LOCK_NAMESPACE, lock)
                    .execute();
        }
        rbac.createNamespacedRoleBinding(
                        LOCK_NAMESPACE,
                        new V1RoleBinding()
                                .metadata(new V1ObjectMeta().name(binding(cluster.namespace()) + "-" + serviceAccount))
                                .roleRef(new V1RoleRef()
                                        .apiGroup("rbac.authorization.k8s.io")
                                        .kind("Role")
                                        .name(lock.getMetadata().getName()))
                                .subjects(List.of(subject(serviceAccount, cluster.namespace()))))
                .execute();
    }

    static void unbind(TestCluster cluster, String serviceAccount) throws ApiException {
        var rbac = new RbacAuthorizationV1Api(cluster.client());
        rbac.deleteClusterRoleBinding(binding(cluster.namespace())).execute();
        unbindLock(cluster, serviceAccount);
    }

    static void unbindLock(TestCluster cluster, String serviceAccount) throws ApiException {
        new RbacAuthorizationV1Api(cluster.client())
                .deleteNamespacedRoleBinding(binding(cluster.namespace()) + "-" + serviceAccount, LOCK_NAMESPACE)
                .execute();
    }

    private static RbacV1Subject subject(String serviceAccount, String namespace) {
        return new RbacV1Subject().kind("ServiceAccount").name(serviceAccount).namespace(namespace);
    }

    private static String binding(String namespace) {
        return "aftershock-agent-" + namespace;
    }
}
