package dev.aftershock.run;

/** Manifests of simulated workloads for the fault tests (kwok nodes; images are never pulled). */
final class KwokApps {
    private KwokApps() {}

    /**
     * A Deployment whose pods prefer one node (so a drain has several to evict) and exit 2 s after
     * deletion, as a well-behaved app does on SIGTERM.
     */
    static String preferringNode(String name, int replicas, String node, int graceSeconds, boolean exitEarly) {
        return """
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: %1$s}
                spec:
                  replicas: %2$d
                  selector: {matchLabels: {app: %1$s}}
                  template:
                    metadata:
                      labels: {app: %1$s}
                      annotations: {%5$s}
                    spec:
                      nodeSelector: {type: kwok, pool: general}
                      terminationGracePeriodSeconds: %4$d
                      affinity:
                        nodeAffinity:
                          preferredDuringSchedulingIgnoredDuringExecution:
                          - weight: 100
                            preference: {matchExpressions: [{key: kubernetes.io/hostname, operator: In, values: [%3$s]}]}
                      containers: [{name: app, image: aftershock.test/simulated:1, resources: {requests: {cpu: 10m}}}]
                """.formatted(
                        name, replicas, node, graceSeconds, exitEarly ? "testbed.aftershock.dev/exit-after: 2s" : "");
    }

    static String budget(String name, String rule) {
        return """
                apiVersion: policy/v1
                kind: PodDisruptionBudget
                metadata: {name: %1$s}
                spec:
                  %2$s
                  selector: {matchLabels: {app: %1$s}}
                """.formatted(name, rule);
    }
}
