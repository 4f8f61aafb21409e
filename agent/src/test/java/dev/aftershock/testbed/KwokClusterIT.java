package dev.aftershock.testbed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.AuthenticationV1TokenRequest;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1ServiceAccount;
import io.kubernetes.client.openapi.models.V1TokenRequestSpec;
import io.kubernetes.client.util.ClientBuilder;
import io.kubernetes.client.util.credentials.AccessTokenAuthentication;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(TestbedExtension.class)
class KwokClusterIT {
    @Test
    void aDeploymentOfThreeBecomesAvailableOnKwokNodes(TestCluster cluster) throws ApiException {
        TestWorkloads.create(cluster, TestWorkloads.onKwok("three", 3, "100m", Map.of()));

        await().atMost(Duration.ofSeconds(60)).until(() -> TestWorkloads.availableReplicas(cluster, "three") == 3);

        assertThat(TestWorkloads.pods(cluster, "three"))
                .hasSize(3)
                .allSatisfy(pod -> assertThat(pod.getSpec().getNodeName()).startsWith("kwok-node-"));
    }

    @Test
    void aServiceAccountWithoutRightsIsForbidden(TestCluster cluster) throws Exception {
        cluster.core()
                .createNamespacedServiceAccount(
                        cluster.namespace(), new V1ServiceAccount().metadata(new V1ObjectMeta().name("nobody")))
                .execute();
        String token = cluster.core()
                .createNamespacedServiceAccountToken(
                        "nobody",
                        cluster.namespace(),
                        new AuthenticationV1TokenRequest().spec(new V1TokenRequestSpec().expirationSeconds(600L)))
                .execute()
                .getStatus()
                .getToken();
        ApiClient asNobody = new ClientBuilder()
                .setBasePath(cluster.client().getBasePath())
                .setVerifyingSsl(false)
                .setAuthentication(new AccessTokenAuthentication(token))
                .build();

        assertThatThrownBy(() -> new CoreV1Api(asNobody)
                        .listNamespacedPod(cluster.namespace())
                        .execute())
                .isInstanceOfSatisfying(
                        ApiException.class, e -> assertThat(e.getCode()).isEqualTo(403));
    }
}
