package dev.aftershock.kube;

import java.io.FileNotFoundException;
import java.nio.file.NoSuchFileException;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/**
 * The cluster access cannot be used: a kubeconfig missing, not YAML, or naming files that are not
 * there; a service account without its CA. Nothing has been asked of the cluster yet; the message says
 * which file and why, without a stack trace.
 */
public final class UnusableClusterAccess extends RuntimeException {
    public UnusableClusterAccess(ClusterAccess access, Exception cause) {
        super("cannot use " + access.describe() + ": " + reason(cause), cause);
    }

    private static String reason(Exception cause) {
        return switch (cause) {
            case NoSuchFileException e -> "no such file " + e.getFile();
            // client-java reads the certificate and key files it names with java.io.
            case FileNotFoundException e -> "cannot read " + e.getMessage();
            case MarkedYAMLException e
            when e.getProblemMark() != null ->
                "not valid YAML at line %d, column %d: %s"
                        .formatted(
                                e.getProblemMark().getLine() + 1,
                                e.getProblemMark().getColumn() + 1,
                                e.getProblem());
            default -> cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
        };
    }
}
