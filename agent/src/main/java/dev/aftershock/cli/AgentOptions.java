package dev.aftershock.cli;

import dev.aftershock.kube.KubeconfigToken;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.Option;

/** Where an agent's API is and the token to call it with: shared by the commands that talk to one. */
final class AgentOptions {
    @Option(
            names = "--agent",
            paramLabel = "URL",
            required = true,
            description = "The agent's API, such as http://localhost:8080 (a port-forward to its Service).")
    URI agent;

    @Option(
            names = "--token-file",
            paramLabel = "FILE",
            description = "A file holding the bearer token to call the agent with (default: the token of the"
                    + " kubeconfig's current user).")
    Path tokenFile;

    @Option(
            names = "--kubeconfig",
            paramLabel = "FILE",
            description = "Kubeconfig whose user's token to send" + " (default: $KUBECONFIG, then ~/.kube/config).")
    Path kubeconfig;

    /**
     * A request to the agent at {@code path} as the caller {@code token}: the one place the token
     * goes into a header (it is never printed).
     */
    java.net.http.HttpRequest.Builder request(String path, String token) {
        return java.net.http.HttpRequest.newBuilder(agent.resolve(path)).header("Authorization", "Bearer " + token);
    }

    /** The token; without one, says why on {@code err} (the caller exits 2). Never printed. */
    Optional<String> tokenOrSay(java.io.PrintWriter err) {
        StringBuilder why = new StringBuilder();
        Optional<String> token = token(why);
        if (token.isEmpty()) {
            err.println("aftershock: no token for the agent: " + why);
        }
        return token;
    }

    /** The token, or why there is none; never printed. */
    Optional<String> token(StringBuilder why) {
        try {
            if (tokenFile != null) {
                return Optional.of(Files.readString(tokenFile).strip()).filter(t -> !t.isEmpty());
            }
            Path config = kubeconfig != null
                    ? kubeconfig
                    : Optional.ofNullable(System.getenv("KUBECONFIG"))
                            .filter(k -> !k.isBlank())
                            .map(k -> Path.of(k.split(java.io.File.pathSeparator)[0]))
                            .orElse(Path.of(System.getProperty("user.home"), ".kube", "config"));
            if (!Files.isRegularFile(config)) {
                why.append("no kubeconfig at ").append(config).append(": pass --token-file");
                return Optional.empty();
            }
            Optional<String> token = KubeconfigToken.of(config);
            if (token.isEmpty()) {
                why.append("the kubeconfig's user has no token (a client certificate?): pass --token-file");
            }
            return token;
        } catch (IOException e) {
            why.append(e.getMessage());
            return Optional.empty();
        }
    }
}
