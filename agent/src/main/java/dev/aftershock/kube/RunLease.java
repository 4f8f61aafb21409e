package dev.aftershock.kube;

import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoordinationV1Api;
import io.kubernetes.client.openapi.models.V1Lease;
import io.kubernetes.client.openapi.models.V1LeaseSpec;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Optional;

/**
 * One run at a time per cluster: a coordination.k8s.io Lease, held and renewed for the run's whole
 * life. A run that dies stops renewing, and its Lease expires after {@link #DURATION}; until then
 * `recover` leaves that run's marks alone, since the run may still be alive and recovering them.
 * Needs get, create and update on leases in its namespace.
 */
public final class RunLease implements AutoCloseable {
    public static final String NAME = "aftershock-run-lock";
    public static final Duration DURATION = Duration.ofSeconds(15);
    private static final Duration RENEW_EVERY = Duration.ofSeconds(5);

    /** Who holds the lock, since when, and whether it is still renewed. */
    public record Holder(String identity, Instant since, Instant renewed, Duration duration) {
        public boolean live(Instant now) {
            return identity != null
                    && !identity.isBlank()
                    && renewed.plus(duration).isAfter(now);
        }
    }

    /** The lock is held by a live run. */
    public static final class Held extends Exception {
        private final Holder holder;

        Held(Holder holder) {
            super("another run holds the run lock: %s, since %s".formatted(holder.identity(), holder.since()));
            this.holder = holder;
        }

        public Holder holder() {
            return holder;
        }
    }

    private final CoordinationV1Api api;
    private final String namespace;
    private final String identity;
    private final Thread renewer;
    private volatile boolean closed;
    private volatile String lost;

    private RunLease(CoordinationV1Api api, String namespace, String identity) {
        this.api = api;
        this.namespace = namespace;
        this.identity = identity;
        this.renewer = Thread.ofVirtual().name("aftershock-lease").start(this::renewLoop);
    }

    /** Takes the lock, waiting up to {@code wait} for a live holder to let go; throws Held otherwise. */
    public static RunLease acquire(ApiClient client, String namespace, String identity, Duration wait)
            throws ApiException, Held, InterruptedException {
        CoordinationV1Api api = new CoordinationV1Api(client);
        Instant giveUp = Instant.now().plus(wait);
        while (true) {
            Optional<Holder> held = tryAcquire(api, namespace, identity);
            if (held.isEmpty()) {
                return new RunLease(api, namespace, identity);
            }
            if (Instant.now().isAfter(giveUp)) {
                throw new Held(held.get());
            }
            Thread.sleep(1_000);
        }
    }

    /** The live holder, if any (for `recover`, which must leave a live run's marks alone). */
    public static Optional<Holder> liveHolder(ApiClient client, String namespace) throws ApiException {
        try {
            V1Lease lease = new CoordinationV1Api(client)
                    .readNamespacedLease(NAME, namespace)
                    .execute();
            Holder h = holderOf(lease);
            return h.live(Instant.now()) ? Optional.of(h) : Optional.empty();
        } catch (ApiException e) {
            if (e.getCode() == 404) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /** Empty: acquired. Otherwise the live holder. */
    private static Optional<Holder> tryAcquire(CoordinationV1Api api, String namespace, String identity)
            throws ApiException {
        OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
        V1Lease lease;
        try {
            lease = api.readNamespacedLease(NAME, namespace).execute();
        } catch (ApiException e) {
            if (e.getCode() != 404) {
                throw e;
            }
            try {
                api.createNamespacedLease(namespace, fresh(identity, now)).execute();
                return Optional.empty();
            } catch (ApiException raced) {
                if (raced.getCode() == 409) {
                    return tryAcquire(api, namespace, identity);
                }
                throw raced;
            }
        }
        Holder current = holderOf(lease);
        if (current.live(now.toInstant()) && !identity.equals(current.identity())) {
            return Optional.of(current);
        }
        lease.setSpec(spec(
                identity, now, lease.getSpec() == null ? null : lease.getSpec().getLeaseTransitions()));
        try {
            // Carries the resourceVersion read: of two runs taking over an expired lock, one wins.
            api.replaceNamespacedLease(NAME, namespace, lease).execute();
            return Optional.empty();
        } catch (ApiException e) {
            if (e.getCode() == 409) {
                return tryAcquire(api, namespace, identity);
            }
            throw e;
        }
    }

    private static V1Lease fresh(String identity, OffsetDateTime now) {
        return new V1Lease().metadata(new V1ObjectMeta().name(NAME)).spec(spec(identity, now, 0));
    }

    private static V1LeaseSpec spec(String identity, OffsetDateTime now, Integer transitions) {
        return new V1LeaseSpec()
                .holderIdentity(identity)
                .leaseDurationSeconds((int) DURATION.toSeconds())
                .acquireTime(now)
                .renewTime(now)
                .leaseTransitions(transitions == null ? 1 : transitions + 1);
    }

    private static Holder holderOf(V1Lease lease) {
        V1LeaseSpec s = lease.getSpec() == null ? new V1LeaseSpec() : lease.getSpec();
        Instant epoch = Instant.EPOCH;
        return new Holder(
                s.getHolderIdentity(),
                s.getAcquireTime() == null ? epoch : s.getAcquireTime().toInstant(),
                s.getRenewTime() == null ? epoch : s.getRenewTime().toInstant(),
                Duration.ofSeconds(s.getLeaseDurationSeconds() == null ? 0 : s.getLeaseDurationSeconds()));
    }

    private void renewLoop() {
        while (!closed) {
            try {
                Thread.sleep(RENEW_EVERY.toMillis());
            } catch (InterruptedException e) {
                return;
            }
            if (closed) {
                return;
            }
            try {
                V1Lease lease = api.readNamespacedLease(NAME, namespace).execute();
                if (lease.getSpec() == null || !identity.equals(lease.getSpec().getHolderIdentity())) {
                    lost = "the run lock was taken by "
                            + (lease.getSpec() == null
                                    ? "nobody"
                                    : lease.getSpec().getHolderIdentity());
                    return;
                }
                lease.getSpec().setRenewTime(OffsetDateTime.now(ZoneOffset.UTC));
                api.replaceNamespacedLease(NAME, namespace, lease).execute();
            } catch (ApiException e) {
                // A passing failure: the next renewal tries again, well within the lease's duration.
            }
        }
    }

    /** Why the lock was lost while the run went on, if it was. */
    public Optional<String> lost() {
        return Optional.ofNullable(lost);
    }

    /** Lets go: the next run need not wait for the lease to expire. */
    @Override
    public void close() {
        closed = true;
        renewer.interrupt();
        try {
            V1Lease lease = api.readNamespacedLease(NAME, namespace).execute();
            if (lease.getSpec() != null && identity.equals(lease.getSpec().getHolderIdentity())) {
                lease.getSpec().setHolderIdentity(null);
                lease.getSpec().setRenewTime(null);
                lease.getSpec().setAcquireTime(null);
                api.replaceNamespacedLease(NAME, namespace, lease).execute();
            }
        } catch (ApiException e) {
            // Not released: it expires after DURATION, and the next run waits at most that long.
        }
    }
}
