package dev.aftershock.cli;

import dev.aftershock.kube.UnusableClusterAccess;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine;

public final class Main {
    private Main() {}

    public static void main(String[] args) {
        PrintWriter out = new PrintWriter(System.out, true, StandardCharsets.UTF_8);
        PrintWriter err = new PrintWriter(System.err, true, StandardCharsets.UTF_8);
        System.exit(run(out, err, args));
    }

    /** Runs one command line and returns its exit code; never exits the JVM (tests call this). */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        AftershockCommand root = new AftershockCommand();
        CommandLine cli = new CommandLine(root)
                .setOut(out)
                .setErr(err)
                .setExecutionExceptionHandler((e, commandLine, parsed) -> {
                    for (Throwable t = e; t != null; t = t.getCause()) {
                        if (t instanceof UnusableClusterAccess unusable) {
                            commandLine.getErr().println("aftershock: " + unusable.getMessage());
                            return ExitCode.INVALID_INPUT.code();
                        }
                    }
                    commandLine.getErr().println("aftershock: " + e.getMessage());
                    return ExitCode.ABORTED.code();
                });
        try {
            return cli.execute(args);
        } finally {
            root.closeRuntime();
            out.flush();
            err.flush();
        }
    }
}
