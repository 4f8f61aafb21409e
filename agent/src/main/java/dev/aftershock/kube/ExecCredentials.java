package dev.aftershock.kube;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.kubernetes.client.util.KubeConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import okhttp3.Interceptor;
import okhttp3.Request;
import okhttp3.Response;

/**
 * Fresh tokens for runs that outlive them. client-java reads a kubeconfig's credentials once, when
 * the client is built (kubernetes-client/java#2438), while managed clusters hand out tokens that live
 * about 15 minutes (through exec plugins such as aws, gke-gcloud-auth-plugin, kubelogin) and runs last
 * up to 24 hours. For a user with an {@code exec} plugin this runs the plugin again when its token's
 * {@code expirationTimestamp} is near (or on a 401). The token never leaves this class but in the
 * Authorization header.
 */
final class ExecCredentials implements Interceptor {
    /** Renew this long before the plugin's token expires, so no request carries an expired one. */
    private static final Duration MARGIN = Duration.ofSeconds(10);
    /** Without an expiry in the plugin's answer, how long one token is used. */
    private static final Duration DEFAULT_LIFETIME = Duration.ofMinutes(1);

    private final Path directory;
    private final Map<String, Object> exec;
    private String token;
    private Instant expires = Instant.MIN;

    private ExecCredentials(Path directory, Map<String, Object> exec) {
        this.directory = directory;
        this.exec = exec;
    }

    /** An interceptor for the kubeconfig's current user, if it gets its token from an exec plugin. */
    static Optional<ExecCredentials> forCurrentUser(KubeConfig config, Path kubeconfig) {
        Map<String, Object> exec = execOfCurrentUser(config);
        if (exec == null) {
            return Optional.empty();
        }
        Path dir = kubeconfig.toAbsolutePath().getParent();
        return Optional.of(new ExecCredentials(dir, exec));
    }

    @Override
    public Response intercept(Chain chain) throws IOException {
        Response response = chain.proceed(withToken(chain.request(), token(false)));
        if (response.code() != 401) {
            return response;
        }
        // Revoked or expired early: one fresh token, one more try.
        response.close();
        return chain.proceed(withToken(chain.request(), token(true)));
    }

    private static Request withToken(Request request, String token) {
        return token == null
                ? request
                : request.newBuilder()
                        .header("Authorization", "Bearer " + token)
                        .build();
    }

    synchronized String token(boolean force) throws IOException {
        if (force || token == null || !Instant.now().isBefore(expires.minus(MARGIN))) {
            JsonObject status = runPlugin();
            // No token (a plugin that gives client certificates): the client's own authentication stands.
            token = status.has("token") ? status.get("token").getAsString() : null;
            expires = status.has("expirationTimestamp")
                    ? Instant.parse(status.get("expirationTimestamp").getAsString())
                    : Instant.now().plus(DEFAULT_LIFETIME);
        }
        return token;
    }

    @SuppressWarnings("unchecked")
    private JsonObject runPlugin() throws IOException {
        String command = (String) exec.get("command");
        // As kubectl does: a command with a slash is relative to the kubeconfig's directory.
        if (command.contains("/") && !Path.of(command).isAbsolute()) {
            command = directory.resolve(command).normalize().toString();
        }
        List<String> argv = new ArrayList<>(List.of(command));
        if (exec.get("args") instanceof List<?> args) {
            args.forEach(a -> argv.add(String.valueOf(a)));
        }
        ProcessBuilder pb = new ProcessBuilder(argv).redirectError(ProcessBuilder.Redirect.DISCARD);
        if (exec.get("env") instanceof List<?> env) {
            for (Object e : env) {
                Map<String, Object> pair = (Map<String, Object>) e;
                pb.environment().put(String.valueOf(pair.get("name")), String.valueOf(pair.get("value")));
            }
        }
        String apiVersion = Objects.toString(exec.get("apiVersion"), "client.authentication.k8s.io/v1");
        pb.environment()
                .put(
                        "KUBERNETES_EXEC_INFO",
                        "{\"apiVersion\":\"%s\",\"kind\":\"ExecCredential\",\"spec\":{\"interactive\":false}}"
                                .formatted(apiVersion));
        Process p = pb.start();
        // Read on a thread of its own, so a plugin that hangs (waiting for a person, say) is stopped at
        // the time limit rather than holding every API call of the run behind a blocked read. The answer
        // holds a token: it stays in memory, never in a file.
        java.util.concurrent.CompletableFuture<String> answer = new java.util.concurrent.CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try {
                answer.complete(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                answer.complete("");
            }
        });
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IOException(
                        "the kubeconfig's exec plugin %s failed or did not answer within 60 s".formatted(argv.get(0)));
            }
            String text = answer.get(10, TimeUnit.SECONDS);
            JsonObject status = JsonParser.parseString(text).getAsJsonObject().getAsJsonObject("status");
            if (status == null) {
                throw new IOException("the kubeconfig's exec plugin %s answered no status".formatted(argv.get(0)));
            }
            return status;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running the exec plugin", e);
        } catch (RuntimeException notJson) {
            throw new IOException(
                    "the kubeconfig's exec plugin %s did not answer an ExecCredential".formatted(argv.get(0)));
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            p.destroyForcibly();
            throw new IOException("the kubeconfig's exec plugin %s did not answer".formatted(argv.get(0)), e);
        }
    }

    @SuppressWarnings("unchecked")
    private static Optional<Map<String, Object>> userOf(KubeConfig config) {
        String current = config.getCurrentContext();
        String user = config.getContexts() == null
                ? null
                : config.getContexts().stream()
                        .map(o -> (Map<String, Object>) o)
                        .filter(m -> Objects.equals(current, m.get("name")))
                        .map(m -> (String) ((Map<String, Object>) m.get("context")).get("user"))
                        .findFirst()
                        .orElse(null);
        if (user == null || config.getUsers() == null) {
            return Optional.empty();
        }
        return config.getUsers().stream()
                .map(o -> (Map<String, Object>) o)
                .filter(m -> Objects.equals(user, m.get("name")))
                .map(m -> (Map<String, Object>) m.get("user"))
                .filter(Objects::nonNull)
                .findFirst();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> execOfCurrentUser(KubeConfig config) {
        return userOf(config).map(u -> (Map<String, Object>) u.get("exec")).orElse(null);
    }
}
