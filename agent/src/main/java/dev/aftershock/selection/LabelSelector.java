package dev.aftershock.selection;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A Kubernetes label selector, whole: matchLabels and matchExpressions (In, NotIn, Exists,
 * DoesNotExist), all of which must hold. Workloads and budgets that select with expressions own
 * exactly the pods Kubernetes says they own, not the superset their matchLabels alone would give.
 */
public record LabelSelector(Map<String, String> matchLabels, List<Requirement> expressions) {
    public LabelSelector {
        matchLabels = Map.copyOf(matchLabels);
        expressions = List.copyOf(expressions);
    }

    public record Requirement(String key, String operator, List<String> values) {
        public Requirement {
            values = List.copyOf(values);
        }

        boolean matches(Map<String, String> labels) {
            String value = labels.get(key);
            return switch (operator) {
                case "In" -> value != null && values.contains(value);
                case "NotIn" -> value == null || !values.contains(value);
                case "Exists" -> labels.containsKey(key);
                case "DoesNotExist" -> !labels.containsKey(key);
                // An operator this agent does not know selects nothing: never more pods than meant.
                default -> false;
            };
        }

        String query() {
            return switch (operator) {
                case "In" -> key + " in (" + String.join(",", values) + ")";
                case "NotIn" -> key + " notin (" + String.join(",", values) + ")";
                case "Exists" -> key;
                case "DoesNotExist" -> "!" + key;
                default -> key + " in ()";
            };
        }
    }

    public static LabelSelector of(Map<String, String> matchLabels) {
        return new LabelSelector(matchLabels, List.of());
    }

    public boolean isEmpty() {
        return matchLabels.isEmpty() && expressions.isEmpty();
    }

    public boolean matches(Map<String, String> labels) {
        // Loops, not streams: the guards match every pod of a namespace at each injection.
        for (Map.Entry<String, String> e : matchLabels.entrySet()) {
            if (!e.getValue().equals(labels.get(e.getKey()))) {
                return false;
            }
        }
        for (Requirement r : expressions) {
            if (!r.matches(labels)) {
                return false;
            }
        }
        return true;
    }

    /** The selector as the API's labelSelector parameter takes it. */
    public String query() {
        return Stream.concat(
                        matchLabels.entrySet().stream()
                                .sorted(Map.Entry.comparingByKey())
                                .map(e -> e.getKey() + "=" + e.getValue()),
                        expressions.stream().map(Requirement::query))
                .collect(Collectors.joining(","));
    }
}
