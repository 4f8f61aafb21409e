package dev.aftershock.run;

import dev.aftershock.testbed.TestCluster;
import dev.aftershock.validation.RepositoryPaths;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.RbacAuthorizationV1Api;
import io.kubernetes.client.openapi.models.RbacV1Subject;
import io.kubernetes.client.openapi.models.V1ClusterRole;
import io.kubernetes.client.openapi.models.V1ClusterRoleBinding;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1RoleRef;
import io.kubernetes.client.openapi.models.V1ServiceAccount;
import io.kubernetes.client.util.Yaml;
import java.io.IOException;
import java.nio.file.Files;
import java.util.List;

/** A service account in the test's namespace bound to the agent's ClusterRole (charts/agent/rbac.yaml), as users bind it. */
final class AgentRbac {
    private AgentRbac() {}

    static void bind(TestCluster cluster, String serviceAccount) throws ApiException, IOException {
        String ns = cluster.namespace();
        cluster.core()
                .createNamespacedServiceAccount(
                        ns, new V1ServiceAccount().metadata(new V1ObjectMeta().name(serviceAccount)))
                .execute();
        var rbac = new RbacAuthorizationV1Api(cluster.client());
        V1ClusterRole role = Yaml.loadAs(
                Files.readString(RepositoryPaths.root().resolve("charts/agent/rbac.yaml")), V1ClusterRole.class);
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
                        .subjects(List.of(new RbacV1Subject()
                                .kind("ServiceAccount")
                                .name(serviceAccount)
                                .namespace(ns))))
                .execute();
    }

    static void unbind(TestCluster cluster) throws ApiException {
        new RbacAuthorizationV1Api(cluster.client())
                .deleteClusterRoleBinding(binding(cluster.namespace()))
                .execute();
    }

    private static String binding(String namespace) {
        return "aftershock-agent-" + namespace;
    }
}
