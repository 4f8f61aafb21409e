package dev.aftershock.testbed;

import dev.aftershock.kube.ClusterAccess;
import dev.aftershock.kube.KubeClients;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1Namespace;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * For *IT and *E2E tests: ensures the testbed runs (reusing a running one), gives each test class
 * a fresh namespace and a client, and deletes the namespace afterwards. Inject {@link TestCluster}
 * into a constructor, a lifecycle method or a test method.
 */
public final class TestbedExtension implements BeforeAllCallback, AfterAllCallback, ParameterResolver {
    private static final ExtensionContext.Namespace STORE = ExtensionContext.Namespace.create(TestbedExtension.class);

    @Override
    public void beforeAll(ExtensionContext context) throws ApiException {
        Path kubeconfig = Testbed.ensureUp();
        ApiClient client = KubeClients.forCalls(new ClusterAccess.Kubeconfig(kubeconfig));
        String namespace = namespaceFor(context.getRequiredTestClass());
        new CoreV1Api(client)
                .createNamespace(new V1Namespace()
                        .metadata(new V1ObjectMeta().name(namespace).labels(Map.of("aftershock.dev/test", "true"))))
                .execute();
        context.getStore(STORE).put(TestCluster.class, new TestCluster(kubeconfig, client, namespace));
    }

    @Override
    public void afterAll(ExtensionContext context) {
        TestCluster cluster = context.getStore(STORE).remove(TestCluster.class, TestCluster.class);
        if (cluster != null) {
            try {
                cluster.core().deleteNamespace(cluster.namespace()).execute();
            } catch (ApiException e) {
                // The testbed may have been taken down by the test itself; nothing is left to clean.
            }
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == TestCluster.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        // Stores are hierarchical: a method's context sees what its class context stored.
        return context.getStore(STORE).get(TestCluster.class, TestCluster.class);
    }

    static String namespaceFor(Class<?> testClass) {
        String base =
                testClass.getSimpleName().replaceAll("([a-z])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT);
        base = base.length() > 40 ? base.substring(0, 40) : base;
        return base + "-" + Integer.toString(ThreadLocalRandom.current().nextInt(0x10000, 0xfffff), 16);
    }
}
