package dev.aftershock.load;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * What the injector fleet asks of the cluster: its pods made, followed, looked at and removed
 * (kube.InjectorPods talks to the API server; unit tests use a small fake of this interface).
 */
public interface InjectorCluster {
    /**
     * The run's injector pods. {@code plans}: each injector's plan text, in order (no secret in it);
     * {@code secretEnv}: the URL and header values the plans name, which go in a Secret, never in a
     * pod's spec; {@code url}: where the load goes (its host may need resolving for the pods);
     * {@code avoidNodes}: nodes no injector may run on; {@code deadline}: how long a pod may live at
     * most (its activeDeadlineSeconds: the dead-man switch if the agent is gone).
     */
    record Spec(
            String run,
            List<String> plans,
            Map<String, String> secretEnv,
            URI url,
            Map<String, String> requests,
            Map<String, String> limits,
            Map<String, String> nodeSelector,
            Set<String> avoidNodes,
            Duration deadline) {
        public Spec {
            plans = List.copyOf(plans);
            secretEnv = Map.copyOf(secretEnv);
            requests = Map.copyOf(requests);
            limits = Map.copyOf(limits);
            nodeSelector = Map.copyOf(nodeSelector);
            avoidNodes = Set.copyOf(avoidNodes);
        }
    }

    /** A pod as it is now: {@code gone} when it no longer exists; {@code why}: its state in words. */
    record PodState(boolean gone, boolean ended, String node, String why) {}

    /** Why injector pods could not be made here (a dry run), or empty. */
    java.util.Optional<String> refusal(Spec spec);

    /** Creates the injectors' Secret and pods; returns the pods' names, in the plans' order. */
    List<String> create(Spec spec) throws Exception;

    /**
     * Follows the pod's output from its start, a line at a time, until it ends or the stream
     * breaks; waits for the container to start first. Blocks.
     */
    void follow(String pod, Consumer<String> lines) throws Exception;

    PodState state(String pod);

    /** Removes the run's injector pods and their Secret; returns what it could not remove, in words. */
    List<String> remove(String run);
}
