package dev.aftershock.kube;

import com.google.gson.JsonParser;
import io.kubernetes.client.openapi.ApiException;

/** The human part of a failed call: the server's Status message when there is one. */
public final class StatusMessages {
    private StatusMessages() {}

    public static String messageOf(ApiException e) {
        String body = e.getResponseBody();
        if (body != null && !body.isBlank()) {
            try {
                var status = JsonParser.parseString(body).getAsJsonObject();
                StringBuilder text = new StringBuilder(
                        status.has("message") ? status.get("message").getAsString() : "");
                // An eviction's 429 names the budget only in its causes ("The disruption budget x needs...").
                if (status.has("details") && status.getAsJsonObject("details").has("causes")) {
                    for (var cause : status.getAsJsonObject("details").getAsJsonArray("causes")) {
                        var c = cause.getAsJsonObject();
                        if (c.has("message")) {
                            text.append(text.isEmpty() ? "" : " ")
                                    .append(c.get("message").getAsString());
                        }
                    }
                }
                if (!text.isEmpty()) {
                    return text.toString();
                }
            } catch (RuntimeException notJson) {
                return body;
            }
        }
        return e.getMessage() == null ? "HTTP " + e.getCode() : e.getMessage();
    }

    /** One line for any failure of a call: the server's answer for an API error, the message otherwise. */
    public static String describe(Throwable e) {
        if (e instanceof ApiException api) {
            return api.getCode() == 0
                    ? "cannot reach the API server: " + rootMessage(api)
                    : "HTTP " + api.getCode() + ": " + messageOf(api);
        }
        return rootMessage(e);
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getMessage() == null && t.getCause() != null) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }
}
