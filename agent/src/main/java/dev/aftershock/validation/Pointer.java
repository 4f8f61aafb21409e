package dev.aftershock.validation;

import java.util.ArrayList;
import java.util.List;

/**
 * A location in the document as a list of field names and list indexes; shown to users in the
 * dotted form they would write ({@code spec.faults[1].at}).
 */
public record Pointer(List<Object> steps) {
    public static final Pointer ROOT = new Pointer(List.of());

    public Pointer {
        steps = List.copyOf(steps);
    }

    public static Pointer of(Object... steps) {
        return new Pointer(List.of(steps));
    }

    public Pointer field(String name) {
        return append(name);
    }

    public Pointer index(int index) {
        return append(index);
    }

    private Pointer append(Object step) {
        List<Object> next = new ArrayList<>(steps);
        next.add(step);
        return new Pointer(next);
    }

    public Pointer parent() {
        return steps.isEmpty() ? this : new Pointer(steps.subList(0, steps.size() - 1));
    }

    public Object last() {
        return steps.isEmpty() ? null : steps.get(steps.size() - 1);
    }

    /** {@code spec.faults[1].at}; the document itself is "the document". */
    public String dotted() {
        if (steps.isEmpty()) {
            return "the document";
        }
        StringBuilder out = new StringBuilder();
        for (Object step : steps) {
            if (step instanceof Integer i) {
                out.append('[').append(i).append(']');
            } else {
                if (!out.isEmpty()) {
                    out.append('.');
                }
                out.append(step);
            }
        }
        return out.toString();
    }

    @Override
    public String toString() {
        return dotted();
    }
}
