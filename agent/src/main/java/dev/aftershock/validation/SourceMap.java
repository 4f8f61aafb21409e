package dev.aftershock.validation;

import java.util.HashMap;
import java.util.Map;

/** Where each value (and each mapping key) of the document stands in the file. */
public final class SourceMap {
    private final Map<Pointer, Position> values = new HashMap<>();
    private final Map<Pointer, Position> keys = new HashMap<>();

    void value(Pointer pointer, Position position) {
        values.putIfAbsent(pointer, position);
    }

    void key(Pointer pointer, Position position) {
        keys.putIfAbsent(pointer, position);
    }

    /** The value's position, else the nearest enclosing value's. */
    public Position valueAt(Pointer pointer) {
        for (Pointer p = pointer; ; p = p.parent()) {
            Position found = values.get(p);
            if (found != null) {
                return found;
            }
            if (p.steps().isEmpty()) {
                return Position.START;
            }
        }
    }

    /** Where the key of a mapping entry stands (for unknown or duplicate fields); else the value's. */
    public Position keyAt(Pointer pointer) {
        Position found = keys.get(pointer);
        return found != null ? found : valueAt(pointer);
    }
}
