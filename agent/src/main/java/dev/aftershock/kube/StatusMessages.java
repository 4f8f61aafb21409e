package dev.aftershock.kube;

import com.google.gson.JsonParser;
import io.kubernetes.client.openapi.ApiException;

/** The human part of a failed call: the server's Status message when there is one. */
final class StatusMessages {
    private StatusMessages() {}

    static String messageOf(ApiException e) {
        String body = e.getResponseBody();
        if (body != null && !body.isBlank()) {
            try {
                var status = JsonParser.parseString(body).getAsJsonObject();
                if (status.has("message")) {
                    return status.get("message").getAsString();
                }
            } catch (RuntimeException notJson) {
                return body;
            }
        }
        return e.getMessage() == null ? "HTTP " + e.getCode() : e.getMessage();
    }
}
