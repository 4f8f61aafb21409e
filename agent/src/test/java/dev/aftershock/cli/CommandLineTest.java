package dev.aftershock.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

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
    void aMissingFileIsInvalidInput() {
        CliRun run = CliRun.of("validate", "no/such/experiment.yaml");
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.errLines()).first().isEqualTo("no/such/experiment.yaml:1:1: no such file");
    }
}
