package dev.aftershock.run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aftershock.cli.CliRun;
import dev.aftershock.journal.RunInfo;
import dev.aftershock.journal.TargetRecord;
import dev.aftershock.testbed.TestCluster;
import dev.aftershock.testbed.TestbedExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A run that outlives its token (Engine II, behaviour 3): the kubeconfig's exec plugin hands out a
 * service account's token (kubectl create token) saying it expires a minute ahead, and counts its
 * calls. client-java alone would call it once, when the client is built; the agent calls it again
 * after each expiry, and a late injection and its recovery succeed.
 */
@ExtendWith(TestbedExtension.class)
class ExecCredentialIT {
    private static final String NODE = "kwok-node-3";
    private static final String SERVICE_ACCOUNT = "exec-runner";
    private final RunFixture fixture;

    ExecCredentialIT(TestCluster cluster) throws Exception {
        this.fixture = new RunFixture(cluster);
    }

    @BeforeAll
    static void bind(TestCluster cluster) throws Exception {
        AgentRbac.bind(cluster, SERVICE_ACCOUNT);
    }

    @AfterAll
    static void unbind(TestCluster cluster) throws Exception {
        AgentRbac.unbind(cluster, SERVICE_ACCOUNT);
    }

    @AfterEach
    void putTheNodeBack() throws Exception {
        fixture.resetNode(NODE);
        fixture.clearNamespace();
    }

    private Path execKubeconfig(Path calls) throws Exception {
        Path plugin = fixture.dir.resolve("token-plugin.sh");
        Files.writeString(plugin, """
                #!/bin/sh
                date -u +%%s >> %s
                token=$(%s --kubeconfig %s -n %s create token %s)
                echo '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"'$token'","expirationTimestamp":"'$(date -u -d 'now + 60 seconds' +%%Y-%%m-%%dT%%H:%%M:%%SZ)'"}}'
                """.formatted(
                calls, RunFixture.KUBECTL, fixture.cluster.kubeconfig(), fixture.cluster.namespace(), SERVICE_ACCOUNT));
        Files.setPosixFilePermissions(plugin, PosixFilePermissions.fromString("rwx------"));
        return fixture.kubeconfigAs(
                "exec",
                Map.of(
                        "exec",
                        Map.of(
                                "apiVersion", "client.authentication.k8s.io/v1",
                                "command", plugin.toString(),
                                "interactiveMode", "Never")));
    }

    @Test
    void theExecPluginIsCalledAgainAfterEachExpiryAndLateFaultsStillWork() throws Exception {
        Manifests.deploy(fixture.cluster, KwokApps.preferringNode("tokens", 1, "kwok-node-1", 1, true), 1);
        Path calls = fixture.dir.resolve("calls");
        Path kubeconfig = execKubeconfig(calls);
        Path experiment = fixture.experiment("late-cordon", """
                apiVersion: aftershock.dev/v1alpha1
                kind: Experiment
                metadata: {name: late-cordon}
                spec:
                  duration: 100s
                  target: {namespace: NAMESPACE, workload: deployment/tokens}
                  faults:
                    - {name: late, at: 75s, action: node-cordon, nodes: {names: [%s]}, for: 15s}
                """.formatted(NODE));
        long started = Instant.now().getEpochSecond();

        CliRun run = CliRun.of(
                "run", experiment.toString(),
                "--kubeconfig", kubeconfig.toString(),
                "--state-dir", fixture.stateDir().toString(),
                "--out", fixture.out(experiment.getFileName().toString()).toString());

        assertThat(run.exitCode()).as(run.out() + run.err()).isZero();
        assertThat(run.out() + run.err()).doesNotContain("forbidden").doesNotContain("Unauthorized");
        var journal = fixture.journal(experiment);
        assertThat(journal.run().outcome()).isEqualTo(RunInfo.Outcome.PASSED);
        assertThat(RunFixture.onlyTarget(journal, "late").state()).isEqualTo(TargetRecord.State.RECOVERED);
        assertThat(fixture.schedulable(NODE)).isTrue();
        List<Long> at = Files.readAllLines(calls).stream().map(Long::parseLong).toList();
        assertThat(at.stream().filter(t -> t - started >= 45).count())
                .as("calls after the first tokens neared their expiry: %s (run started %d)", at, started)
                .isPositive();
        assertThat(Files.readString(
                        fixture.out(experiment.getFileName().toString()).resolve("journal.json")))
                .as("no token in the journal")
                .doesNotContain("eyJ");
    }
}
