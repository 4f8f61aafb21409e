package dev.aftershock.targetservice;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * Lifecycle moments (started, prestop, sigterm, exit) with wall-clock milliseconds, one line each,
 * on stdout and, when configured, appended to a file a test can read after the pod is gone.
 */
final class LifecycleLog {
    private final Optional<Path> file;

    LifecycleLog(Optional<Path> file) {
        this.file = file;
    }

    synchronized void record(String event) {
        var line = System.currentTimeMillis() + " " + event + "\n";
        System.out.print(line);
        System.out.flush();
        file.ifPresent(path -> {
            try {
                Files.createDirectories(path.toAbsolutePath().getParent());
                Files.writeString(
                        path,
                        line,
                        StandardCharsets.UTF_8,
                        StandardOpenOption.CREATE,
                        StandardOpenOption.APPEND,
                        StandardOpenOption.SYNC);
            } catch (IOException e) {
                System.err.println("cannot write the event log " + path + ": " + e.getMessage());
            }
        });
    }
}
