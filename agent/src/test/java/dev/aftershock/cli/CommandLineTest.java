package dev.aftershock.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CommandLineTest {
    @Test
    void versionNamesTheToolAndTheFormat() {
        CliRun run = CliRun.of("--version");
        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).startsWith("aftershock ").contains("aftershock.dev/v1alpha1");
    }

    @Test
    void helpListsSubcommandsAndExitCodes() {
        CliRun run = CliRun.of("--help");
        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).contains("validate").contains("3  aborted or infrastructure error");
    }

    @Test
    void eachSubcommandHasHelp() {
        CliRun run = CliRun.of("validate", "--help");
        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).contains("FILE:LINE:COL");
    }

    @Test
    void noSubcommandIsAUsageError() {
        assertThat(CliRun.of().exitCode()).isEqualTo(2);
    }

    @Test
    void unknownSubcommandIsAUsageError() {
        CliRun run = CliRun.of("explode");
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("explode");
    }

    @Test
    void validateNeedsAFile() {
        CliRun run = CliRun.of("validate");
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("FILE");
    }

    @Test
    void validateChecksSchedulesToo(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        String example = dev.aftershock.validation.RepositoryPaths.experiments()
                .resolve("schedules/nightly-rolling-pod-kill.yaml")
                .toString();
        CliRun valid = CliRun.of("validate", example);
        assertThat(valid.exitCode()).as(valid.err()).isZero();
        assertThat(valid.out())
                .contains("valid (schedule nightly-pod-kill: rolling-pod-kill.yaml at \"30 2 * * *\" Europe/Berlin)");

        java.nio.file.Path bad = dir.resolve("bad.yaml");
        java.nio.file.Files.writeString(bad, """
                apiVersion: aftershock.dev/v1alpha1
                kind: Schedule
                metadata: {name: bad}
                spec: {experiment: x.yaml, cron: "* * * * *", timeZone: Nowhere/Special}
                """);
        CliRun invalid = CliRun.of("validate", bad.toString());
        assertThat(invalid.exitCode()).isEqualTo(2);
        assertThat(invalid.errLines())
                .first()
                .asString()
                .startsWith(bad + ":4:")
                .contains("unknown time zone 'Nowhere/Special'");
    }

    @Test
    void theAgentDoesNotStartWithAScheduleThatIsNotValid(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        java.nio.file.Path schedules = java.nio.file.Files.createDirectories(dir.resolve("schedules"));
        java.nio.file.Path experiments = java.nio.file.Files.createDirectories(dir.resolve("experiments"));
        java.nio.file.Files.writeString(schedules.resolve("nightly.yaml"), """
                apiVersion: aftershock.dev/v1alpha1
                kind: Schedule
                metadata: {name: nightly}
                spec: {experiment: missing.yaml, cron: "0 61 * * *"}
                """);

        // Refused before the agent reads a kubeconfig or opens a port: nothing else is needed here.
        CliRun serve = CliRun.of(
                "serve",
                "--data-dir",
                dir.resolve("data").toString(),
                "--experiments-dir",
                experiments.toString(),
                "--schedules-dir",
                schedules.toString());

        assertThat(serve.exitCode()).isEqualTo(2);
        assertThat(serve.err())
                .contains(schedules.resolve("nightly.yaml") + ":4:")
                .contains("spec.cron: not a cron expression")
                .contains("the agent does not start with a schedule that is not valid");
    }

    @Test
    void aMissingFileIsInvalidInput() {
        CliRun run = CliRun.of("validate", "no/such/experiment.yaml");
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.errLines()).first().isEqualTo("no/such/experiment.yaml:1:1: no such file");
    }

    @Test
    void badRunOptionsAreRefusedBeforeAnyClusterIsRead() {
        String file = dev.aftershock.validation.RepositoryPaths.experiments()
                .resolve("quickstart.yaml")
                .toString();

        CliRun port = CliRun.of("run", file, "--metrics-port", "70000");
        assertThat(port.exitCode()).isEqualTo(2);
        assertThat(port.err()).contains("--metrics-port: expected a port from 0 to 65535, got 70000");

        CliRun url = CliRun.of("run", file, "--prometheus-url", "ftp://prometheus");
        assertThat(url.exitCode()).isEqualTo(2);
        assertThat(url.err()).contains("--prometheus-url: expected an http(s) URL");
    }

    @Test
    void anUnusableKubeconfigIsInvalidInputSayingWhy(@TempDir Path dir) throws IOException {
        String file = dev.aftershock.validation.RepositoryPaths.experiments()
                .resolve("quickstart.yaml")
                .toString();
        Path missingCertificate =
                Files.writeString(dir.resolve("missing-ca"), """
                apiVersion: v1
                kind: Config
                clusters: [{name: c, cluster: {server: "https://127.0.0.1:1", certificate-authority: %s}}]
                users: [{name: u, user: {token: t}}]
                contexts: [{name: x, context: {cluster: c, user: u}}]
                current-context: x
                """.formatted(dir.resolve("no-such-ca.crt")));
        Path notYaml = Files.writeString(dir.resolve("not-yaml"), "clusters: [\n");

        CliRun certificate = CliRun.of("run", file, "--dry-run", "--kubeconfig", missingCertificate.toString());
        assertThat(certificate.exitCode()).isEqualTo(2);
        assertThat(certificate.err())
                .contains("cannot use kubeconfig " + missingCertificate + ": no such file "
                        + dir.resolve("no-such-ca.crt"))
                .contains("nothing was changed")
                .doesNotContain("Exception");

        CliRun yaml = CliRun.of("run", file, "--dry-run", "--kubeconfig", notYaml.toString());
        assertThat(yaml.exitCode()).isEqualTo(2);
        assertThat(yaml.err()).contains("cannot use kubeconfig " + notYaml + ": not valid YAML at line 2, column 1");

        CliRun recover = CliRun.of("recover", "--kubeconfig", notYaml.toString());
        assertThat(recover.exitCode()).isEqualTo(2);
        assertThat(recover.err()).contains("cannot use kubeconfig " + notYaml + ": not valid YAML");
    }

    @Test
    void theDemoOutsideACheckoutSaysWhereToRunIt() {
        String before = System.clearProperty("aftershock.home");
        try {
            CliRun run = CliRun.of("demo");
            assertThat(run.exitCode()).isEqualTo(2);
            assertThat(run.err()).contains("run it from a checkout of the repository, as ./aftershock demo");
        } finally {
            if (before != null) {
                System.setProperty("aftershock.home", before);
            }
        }
    }
}
