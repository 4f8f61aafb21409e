package dev.aftershock.fault;

import java.time.Duration;
import java.util.Map;

/**
 * What a node helper pod is asked to do for one target pod: {@code mode} {@code inject} installs
 * its rule and holds it until told to stop (or until {@code lifetime} ends: the kubelet then stops
 * it, and it reverts), {@code unblock} removes what an earlier helper of the same fault left. The
 * kube package turns it into a pod on {@code node}; {@code env} is the rule the helper script reads.
 */
public record HelperJob(
        String run,
        String fault,
        String action,
        Mode mode,
        String targetNamespace,
        String targetPod,
        String targetUid,
        String node,
        Map<String, String> env,
        Duration lifetime) {
    public HelperJob {
        env = Map.copyOf(env);
    }

    public enum Mode {
        INJECT,
        UNBLOCK
    }

    /** The comment on every rule the helpers of this fault install, so that any of them can remove them. */
    public String tag() {
        return tag(run, fault);
    }

    public static String tag(String run, String fault) {
        return "aftershock " + run + "/" + fault;
    }

    /** The same target and rule, to remove what a helper that did not revert left. */
    public HelperJob unblocking() {
        return new HelperJob(
                run,
                fault,
                action,
                Mode.UNBLOCK,
                targetNamespace,
                targetPod,
                targetUid,
                node,
                env,
                Duration.ofMinutes(2));
    }
}
