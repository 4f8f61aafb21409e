package dev.aftershock.kube;

/**
 * What Aftershock writes on the objects it changes, so that any later process (`aftershock
 * recover`, the next `run`) can find and revert them even if the run that wrote them died.
 */
public final class Annotations {
    public static final String RUN = "aftershock.dev/run";
    public static final String FAULT = "aftershock.dev/fault";
    public static final String WAS_UNSCHEDULABLE = "aftershock.dev/was-unschedulable";

    private Annotations() {}
}
