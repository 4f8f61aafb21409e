package dev.aftershock.kube;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

/** Reading an add-on's object as the dynamic client gives it (raw JSON), absent fields as empty. */
final class RawJson {
    private RawJson() {}

    static JsonObject object(JsonObject parent, String key) {
        JsonElement e = parent == null ? null : parent.get(key);
        return e != null && e.isJsonObject() ? e.getAsJsonObject() : new JsonObject();
    }

    static String text(JsonObject parent, String key) {
        JsonElement e = parent.get(key);
        return e != null && e.isJsonPrimitive() ? e.getAsString() : "";
    }
}
