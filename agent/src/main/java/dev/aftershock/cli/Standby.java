package dev.aftershock.cli;

import dev.aftershock.kube.Leadership;
import dev.aftershock.kube.StatusMessages;
import java.io.PrintWriter;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A replica until it leads: out of the Service (a restarted container of a former leader may still
 * carry the label, and callers sent to it would be turned away), and watching who leads, for /readyz
 * and for the callers it turns away.
 */
final class Standby {
    private static final long WATCH_EVERY_MS = 2_000;

    private final Leadership leadership;
    private final AtomicBoolean ready;
    private final AtomicReference<Optional<String>> leaderSeen = new AtomicReference<>(Optional.empty());
    private final PrintWriter out;
    private boolean leading;
    private boolean labelledOut;
    private String saidWhy;

    Standby(Leadership leadership, AtomicBoolean ready, PrintWriter out) {
        this.leadership = leadership;
        this.ready = ready;
        this.out = out;
    }

    /** Another replica leading while this one stands by, out of the Service: for /readyz and callers. */
    Optional<String> leaderSeen() {
        return leaderSeen.get();
    }

    void start() {
        out.println("aftershock agent: " + leadership.identity() + " stands by until it holds the Lease "
                + Leadership.LEASE);
        out.flush();
        labelOutUnlessLeading();
        Thread.ofVirtual().name("aftershock-standby").start(this::watch);
    }

    /**
     * Elected: from now on only the leader labels the pod. Under the same lock as the standby's label,
     * so a late "out" never lands after the leader's "in".
     */
    synchronized void lead() throws Exception {
        leading = true;
        leadership.label(true);
    }

    private synchronized boolean labelOutUnlessLeading() {
        if (leading || labelledOut) {
            return labelledOut;
        }
        try {
            leadership.label(false);
            labelledOut = true;
        } catch (Exception e) {
            String why = StatusMessages.describe(e);
            if (!why.equals(saidWhy)) {
                out.println("aftershock agent: cannot label this pod out of the Service (tried again): " + why);
                out.flush();
                saidWhy = why;
            }
        }
        return labelledOut;
    }

    private void watch() {
        while (!ready.get()) {
            boolean outOfService = labelOutUnlessLeading();
            // Ready as a standby only once out of the Service, behind a leader that renews its Lease.
            leaderSeen.set(
                    outOfService
                            ? leadership.leader().filter(h -> !h.equals(leadership.identity()))
                            : Optional.empty());
            try {
                Thread.sleep(WATCH_EVERY_MS);
            } catch (InterruptedException e) {
                return;
            }
        }
        leaderSeen.set(Optional.empty());
    }
}
