package dev.aftershock.kube;

import io.kubernetes.client.informer.SharedIndexInformer;
import io.kubernetes.client.informer.SharedInformerFactory;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1Node;
import io.kubernetes.client.openapi.models.V1NodeList;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodList;

/** The informers more than one watch of a run opens: every node, and the pods of a namespace. */
final class Informers {
    private Informers() {}

    static SharedIndexInformer<V1Node> nodes(SharedInformerFactory factory, ApiClient watchClient) {
        CoreV1Api core = new CoreV1Api(watchClient);
        return factory.sharedIndexInformerFor(
                p -> core.listNode()
                        .resourceVersion(p.resourceVersion)
                        .timeoutSeconds(p.timeoutSeconds)
                        .watch(p.watch)
                        .buildCall(null),
                V1Node.class,
                V1NodeList.class);
    }

    /** {@code labelSelector}: as the API takes it; empty for every pod of the namespace. */
    static SharedIndexInformer<V1Pod> pods(
            SharedInformerFactory factory, ApiClient watchClient, String namespace, String labelSelector) {
        CoreV1Api core = new CoreV1Api(watchClient);
        return factory.sharedIndexInformerFor(
                p -> core.listNamespacedPod(namespace)
                        .labelSelector(labelSelector.isEmpty() ? null : labelSelector)
                        .resourceVersion(p.resourceVersion)
                        .timeoutSeconds(p.timeoutSeconds)
                        .watch(p.watch)
                        .buildCall(null),
                V1Pod.class,
                V1PodList.class);
    }
}
