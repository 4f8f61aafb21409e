package dev.aftershock.testbed;

import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.apis.AppsV1Api;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import java.nio.file.Path;

/** What an integration test gets: the testbed's kubeconfig, a client, and its own namespace. */
public record TestCluster(Path kubeconfig, ApiClient client, String namespace) {
    public CoreV1Api core() {
        return new CoreV1Api(client);
    }

    public AppsV1Api apps() {
        return new AppsV1Api(client);
    }
}
