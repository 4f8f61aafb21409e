package dev.aftershock.cli;

import dev.aftershock.api.AgentApi;
import dev.aftershock.api.CachedAccess;
import dev.aftershock.api.RunRecords;
import dev.aftershock.api.RunService;
import dev.aftershock.api.Scheduler;
import dev.aftershock.kube.AccessReviews;
import dev.aftershock.kube.ConfigMapRunRecords;
import dev.aftershock.kube.ConfigMapScheduleState;
import dev.aftershock.kube.KubeClients;
import dev.aftershock.kube.Leadership;
import dev.aftershock.kube.RunLease;
import dev.aftershock.load.LoadHeaders;
import dev.aftershock.metrics.AgentMetrics;
import dev.aftershock.run.RunOptions;
import dev.aftershock.selection.Reach;
import dev.aftershock.validation.ExperimentLoader;
import dev.aftershock.validation.ScheduleLoader;
import io.kubernetes.client.openapi.ApiClient;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(
        name = "serve",
        mixinStandardHelpOptions = true,
        description = {
            "Runs the agent in the cluster: an HTTP API that takes runs (authenticated by the API server's",
            "TokenReview and authorised by SubjectAccessReviews on aftershock.dev resources), /healthz, /readyz",
            "and /metrics. On start (with --leader-election, once elected) it marks runs its predecessor left",
            "running as interrupted and recovers what they changed; on SIGTERM the run in progress recovers its",
            "faults before the agent exits."
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:stopped",
            "2:bad usage, or no cluster access",
            "3:the API could not be served, or (--leader-election) the leader lost its Lease"
        })
final class ServeCommand implements Callable<Integer> {
    /** Tries to label the leader's pod into the Service before it gives up leading (about a minute). */
    private static final int LABEL_ATTEMPTS = 10;

    private static final Path POD_NAMESPACE = Path.of("/var/run/secrets/kubernetes.io/serviceaccount/namespace");

    @ParentCommand
    AftershockCommand parent;

    @Option(names = "--port", paramLabel = "PORT", defaultValue = "8080", description = "Default: ${DEFAULT-VALUE}.")
    int port;

    @Option(names = "--host", paramLabel = "HOST", defaultValue = "0.0.0.0", description = "Default: ${DEFAULT-VALUE}.")
    String host;

    @Option(
            names = "--data-dir",
            paramLabel = "DIR",
            required = true,
            description = "Reports and rollback records (a persistent volume keeps them across pods); run records"
                    + " are ConfigMaps in --namespace.")
    Path dataDir;

    @Option(
            names = "--experiments-dir",
            paramLabel = "DIR",
            description = "Experiments shipped with the release: POST /api/v1/runs?experiment=NAME runs one.")
    Path experimentsDir;

    @Option(
            names = "--load-secrets-dir",
            paramLabel = "DIR",
            defaultValue = "/etc/aftershock/load-secrets",
            description = "The only place load headers of runs submitted here may read files from (variables:"
                    + " only AFTERSHOCK_LOAD_*), so no caller can send the agent's own secrets to a URL of theirs."
                    + " Default: ${DEFAULT-VALUE}.")
    Path loadSecretsDir;

    @Option(
            names = "--schedules-dir",
            paramLabel = "DIR",
            description = "Schedules (kind: Schedule), each naming an experiment of --experiments-dir; a schedule"
                    + " or experiment that is not valid stops the agent from starting (exit 2), saying why.")
    Path schedulesDir;

    @Option(
            names = "--namespace",
            paramLabel = "NS",
            description = "The agent's namespace: where callers are granted runs and reports, and where the run"
                    + " lock lives (default: the pod's namespace, else default).")
    String namespace;

    @Option(
            names = "--rbac-scope",
            paramLabel = "SCOPE",
            defaultValue = "cluster",
            description = "cluster, or namespaced: runs reach only --target-namespaces (no node, no other"
                    + " namespace), and callers are reviewed with their own tokens (SelfSubjectReview,"
                    + " SelfSubjectAccessReview) instead of the agent's TokenReview and SubjectAccessReview.")
    String rbacScope;

    @Option(
            names = "--target-namespaces",
            paramLabel = "NS,NS",
            split = ",",
            description = "For --rbac-scope namespaced: the namespaces runs may act in (default: --namespace).")
    List<String> targetNamespaces = new ArrayList<>();

    @Option(
            names = "--auth-cache",
            paramLabel = "DURATION",
            defaultValue = "5s",
            description = "How long an access decision is reused (default: ${DEFAULT-VALUE}; 0s: never).")
    String authCache;

    @Option(
            names = "--leader-election",
            description = "Replicas elect a leader on the Lease " + Leadership.LEASE + " of --namespace: only"
                    + " the leader schedules and takes runs (it labels its pod " + Leadership.LABEL + "=true,"
                    + " which the chart's Service selects); the others stand by, and one leads 15 to 25 s"
                    + " after the leader's last renewal. A leader that loses the Lease stops its runs and exits 3.")
    boolean leaderElection;

    @Mixin
    ClusterOptions cluster;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        PrintWriter out = spec.commandLine().getOut();
        var cacheFor = ClusterOptions.duration(authCache);
        var deadline = cluster.resolveRecoveryDeadline();
        if (cacheFor.isEmpty() || deadline.isEmpty()) {
            err.println("aftershock: --auth-cache and --recovery-deadline take durations such as 5s or 2m");
            return ExitCode.INVALID_INPUT.code();
        }
        if (!Set.of("cluster", "namespaced").contains(rbacScope)) {
            err.println("aftershock: --rbac-scope: expected cluster or namespaced, got " + rbacScope);
            return ExitCode.INVALID_INPUT.code();
        }
        var loaded = schedules(err);
        if (loaded.isEmpty()) {
            return ExitCode.INVALID_INPUT.code();
        }
        var access = cluster.resolveAccess();
        if (access.isEmpty()) {
            err.println("aftershock: " + cluster.missingKubeconfig());
            return ExitCode.INVALID_INPUT.code();
        }
        String ns = agentNamespace();
        boolean namespaced = rbacScope.equals("namespaced");
        // Namespaced: runs reach only these namespaces and no node, and callers are reviewed with their
        // own tokens (the agent has no cluster-scoped grant to review them with).
        Reach reach = namespaced
                ? Reach.namespaces(targetNamespaces.isEmpty() ? List.of(ns) : targetNamespaces)
                : Reach.cluster();
        String lockNamespace = cluster.lockNamespace != null ? cluster.lockNamespace : ns;
        Path stateDir = dataDir.resolve("state");
        Files.createDirectories(stateDir);
        ApiClient client = KubeClients.forCalls(access.get());
        AgentMetrics metrics = new AgentMetrics();
        // Records in the cluster (they outlive this pod and its volumes); reports in the data dir.
        RunRecords records = new RunRecords(dataDir.resolve("runs"), new ConfigMapRunRecords(client, ns));
        RunOptions.Locking locking = new RunOptions.Locking(lockNamespace, Duration.ZERO, deadline.get());
        RunService runs = new RunService(
                records,
                submitted -> new RunOptions(
                        submitted.file(),
                        submitted.source(),
                        access.get(),
                        stateDir,
                        null,
                        false,
                        false,
                        submitted.loadUrl(),
                        null,
                        metrics,
                        agentVersion(),
                        locking,
                        reach,
                        LoadHeaders.Sources.forAgent(loadSecretsDir),
                        submitted.reportsRoot(),
                        submitted.listener(),
                        cluster.resolveHelpers(),
                        cluster.resolveInjectors(),
                        // What the CLI would print, in the agent's log too.
                        out,
                        err),
                () -> RunLease.liveHolder(client, lockNamespace).map(RunLease.Holder::identity));
        AccessReviews reviews =
                namespaced ? AccessReviews.asCaller(access.get(), ns) : AccessReviews.delegated(client, ns);
        Optional<Scheduler> scheduler = loaded.get().isEmpty()
                ? Optional.empty()
                : Optional.of(new Scheduler(
                        loaded.get(),
                        experimentsDir,
                        new ConfigMapScheduleState(client, ns),
                        new ConfigMapScheduleState(client, ns),
                        runs.forSchedules()));
        AtomicBoolean ready = new AtomicBoolean(false);
        Optional<Leadership> leadership = leaderElection
                ? Optional.of(new Leadership(client, ns, identity(), Optional.ofNullable(System.getenv("POD_NAME"))))
                : Optional.empty();
        Optional<Standby> standby = leadership.map(l -> new Standby(l, ready, out));
        var runtime = parent.runtime();
        AgentApi api;
        try {
            api = AgentApi.start(
                    runtime.vertx(),
                    new AgentApi.Parts(
                            runs,
                            new CachedAccess(reviews::decide, cacheFor.get(), Clock.systemUTC()),
                            metrics::scrape,
                            ready::get,
                            runtime.blockingPool(),
                            Optional.ofNullable(experimentsDir),
                            scheduler,
                            () -> standby.flatMap(Standby::leaderSeen)),
                    host,
                    port);
        } catch (Exception e) {
            err.println("aftershock: cannot serve the API on " + host + ":" + port + ": " + e.getMessage());
            return ExitCode.ABORTED.code();
        }
        out.printf(
                "aftershock agent: API on http://%s:%d (namespace %s; runs reach %s)%n",
                host,
                api.port(),
                ns,
                reach.wholeCluster() ? "the whole cluster" : "namespaces " + String.join(",", reach.namespaces()));
        out.flush();
        CountDownLatch stopped = new CountDownLatch(1);
        AtomicBoolean stopping = new AtomicBoolean(false);
        AtomicBoolean steppedDown = new AtomicBoolean(false);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            // No schedule starts a run, and no caller submits one, while the agent stops.
                            stopping.set(true);
                            ready.set(false);
                            try {
                                runs.stopAll("the agent is stopping (SIGTERM)");
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                            // The next replica need not wait for the Lease to lapse.
                            leadership.ifPresent(Leadership::release);
                            stopped.countDown();
                        },
                        "aftershock-serve-stop"));
        Takeover takeover = new Takeover(
                records,
                access.get(),
                client,
                lockNamespace,
                stateDir,
                deadline.get(),
                reach,
                cluster.resolveHelpers(),
                cluster.resolveInjectors(),
                agentVersion(),
                out);
        Runnable takeRuns = () -> {
            if (!takeover.run(stopping::get) || stopping.get()) {
                return;
            }
            ready.set(true);
            scheduler.ifPresent(
                    s -> Thread.ofVirtual().name("aftershock-schedules").start(() -> schedule(s, stopping, out)));
        };
        if (leadership.isEmpty()) {
            takeRuns.run();
        } else {
            Leadership elected = leadership.get();
            // Whatever ends this replica's leadership ends the replica: its runs stop as on SIGTERM
            // (recovering their faults), and the container restarts as a replica that stands by.
            java.util.function.Consumer<String> stepDown = why -> {
                if (stopping.getAndSet(true)) {
                    return;
                }
                ready.set(false);
                steppedDown.set(true);
                out.println("aftershock agent: " + elected.identity() + " no longer holds the leader Lease (" + why
                        + "); stopping its runs and exiting");
                out.flush();
                try {
                    elected.label(false);
                } catch (Exception e) {
                    // The restarted container labels its pod out of the Service before anything else.
                }
                try {
                    runs.stopAll("this agent replica lost its leadership");
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                stopped.countDown();
            };
            Standby standingBy = standby.orElseThrow();
            standingBy.start();
            AtomicBoolean leading = new AtomicBoolean(false);
            elected.elect(
                    () -> {
                        leading.set(true);
                        // Off the elector's one hook thread, which must stay free to report another holder
                        // while the takeover goes on.
                        Thread.ofVirtual().name("aftershock-lead").start(() -> {
                            try {
                                lead(elected, standingBy, out);
                                takeRuns.run();
                            } catch (Exception | Error e) {
                                // A leader that cannot lead must not keep the Lease from the others.
                                stepDown.accept("it could not take up its duties: " + e.getMessage());
                            }
                        });
                    },
                    () -> stepDown.accept("it could not renew it in time"),
                    holder -> {
                        if (leading.get() && !holder.equals(elected.identity())) {
                            stepDown.accept(holder + " holds it now");
                        }
                    });
        }
        stopped.await();
        api.close();
        return steppedDown.get() ? ExitCode.ABORTED.code() : ExitCode.PASSED.code();
    }

    /** On election: into the Service (callers reach it once it has recovered its predecessor's runs). */
    private static void lead(Leadership leadership, Standby standby, PrintWriter out) throws Exception {
        out.println("aftershock agent: " + leadership.identity() + " leads");
        out.flush();
        for (int attempt = 1; ; attempt++) {
            try {
                standby.lead();
                return;
            } catch (io.kubernetes.client.openapi.ApiException e) {
                if (attempt == LABEL_ATTEMPTS) {
                    throw new IllegalStateException(
                            "cannot label its pod into the Service: " + dev.aftershock.kube.StatusMessages.describe(e),
                            e);
                }
                Thread.sleep(1_000L * attempt);
            }
        }
    }

    /** This replica's name in the Lease: its pod's, or in no pod the host's and the process's. */
    private static String identity() {
        String pod = System.getenv("POD_NAME");
        if (pod != null && !pod.isBlank()) {
            return pod;
        }
        String host;
        try {
            host = java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            host = "aftershock";
        }
        return host + "-" + ProcessHandle.current().pid();
    }

    /** Every second, each schedule whose time has come starts (or is recorded as not started). */
    private static void schedule(Scheduler scheduler, AtomicBoolean stopping, PrintWriter out) {
        while (!stopping.get()) {
            try {
                scheduler.tick(Instant.now());
            } catch (Exception e) {
                out.println("aftershock agent: schedules: " + e.getMessage() + " (tried again in a second)");
                out.flush();
            }
            try {
                Thread.sleep(1_000);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /**
     * The schedules of --schedules-dir, each with its experiment checked; empty (after saying why on
     * {@code err}) when one is not valid: a schedule is refused, never skipped.
     */
    private Optional<List<dev.aftershock.model.Schedule>> schedules(PrintWriter err) throws java.io.IOException {
        List<dev.aftershock.model.Schedule> all = new ArrayList<>();
        if (schedulesDir == null || !Files.isDirectory(schedulesDir)) {
            return Optional.of(all);
        }
        boolean valid = true;
        List<Path> files;
        try (var list = Files.list(schedulesDir)) {
            files = list.filter(p -> p.getFileName().toString().matches("[^.].*\\.ya?ml"))
                    .sorted()
                    .toList();
        }
        for (Path file : files) {
            switch (ScheduleLoader.load(file.toString(), Files.readAllBytes(file))) {
                case ScheduleLoader.Rejected rejected -> {
                    rejected.problems().forEach(err::println);
                    valid = false;
                }
                case ScheduleLoader.Loaded l -> {
                    Path experiment = experimentsDir == null
                            ? null
                            : experimentsDir.resolve(l.schedule().experiment());
                    if (experiment == null || !Files.isRegularFile(experiment)) {
                        err.println(file + ": spec.experiment: no experiment "
                                + l.schedule().experiment() + " was shipped with the agent (--experiments-dir)");
                        valid = false;
                    } else if (ExperimentLoader.load(experiment) instanceof ExperimentLoader.Rejected r) {
                        r.problems().forEach(err::println);
                        valid = false;
                    } else {
                        all.add(l.schedule());
                    }
                }
            }
        }
        if (!valid) {
            err.println("aftershock: the agent does not start with a schedule that is not valid (above)");
            err.flush();
            return Optional.empty();
        }
        return Optional.of(all);
    }

    private static String agentVersion() {
        return new AftershockCommand.Version().getVersion()[0].replace("aftershock ", "");
    }

    private String agentNamespace() {
        if (namespace != null) {
            return namespace;
        }
        try {
            return Files.isRegularFile(POD_NAMESPACE)
                    ? Files.readString(POD_NAMESPACE).strip()
                    : "default";
        } catch (java.io.IOException e) {
            return "default";
        }
    }
}
