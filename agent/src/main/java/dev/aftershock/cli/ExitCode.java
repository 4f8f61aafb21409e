package dev.aftershock.cli;

/** Exit codes shared by every subcommand; CI systems read them. */
public enum ExitCode {
    PASSED(0),
    HYPOTHESIS_FAILED(1),
    INVALID_INPUT(2),
    ABORTED(3);

    private final int code;

    ExitCode(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }
}
