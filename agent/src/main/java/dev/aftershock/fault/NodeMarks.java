package dev.aftershock.fault;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/**
 * The marks a node carries while faults hold it out of scheduling. Several faults (of one run or of
 * several) may hold one node at once: each is a holder, and only the last one to let go restores the
 * node, to what it was before the first. Without that, a second cordon records "was unschedulable"
 * and the node stays cordoned forever, or the first recovery uncordons a node a drain still needs.
 * Pure: it computes the annotations and schedulability to write; the kube package writes them with
 * the node's resourceVersion, so two writers never both win.
 */
public final class NodeMarks {
    /** Every run that holds the node (comma-separated): what `recover` and the next run look for. */
    public static final String RUN = "aftershock.dev/run";
    /** The holders, as JSON: [{"run":..,"fault":..,"action":..}]. */
    public static final String HOLDERS = "aftershock.dev/holders";
    /** Whether the node was unschedulable before the first holder came. */
    public static final String WAS_UNSCHEDULABLE = "aftershock.dev/was-unschedulable";
    /** Written by agents before holders existed (one holder per node); read so their marks are recovered. */
    static final String LEGACY_FAULT = "aftershock.dev/fault";

    private static final JsonMapper JSON = JsonMapper.shared();

    public record Holder(String run, String fault, String action) {}

    /** What a node says now: its holders, and what it was before them. */
    public record State(List<Holder> holders, boolean wasUnschedulable) {
        public State {
            holders = List.copyOf(holders);
        }
    }

    /** The change to write: annotations (null values remove) and spec.unschedulable (null clears). */
    public record Change(Map<String, String> annotations, Boolean unschedulable) {}

    public record Held(String node, boolean wasUnschedulable, boolean alreadyHeld) {}

    /** {@code restored}: this was the last holder and the node is back as it was. */
    public record Released(String node, boolean wasHolder, boolean restored, List<Holder> stillHeldBy) {}

    public record HeldNode(String node, State state) {}

    private NodeMarks() {}

    public static State read(Map<String, String> annotations, boolean unschedulableNow) {
        Map<String, String> a = annotations == null ? Map.of() : annotations;
        List<Holder> holders = new ArrayList<>();
        String json = a.get(HOLDERS);
        if (json != null && !json.isBlank()) {
            holders.addAll(JSON.readValue(json, new TypeReference<List<Holder>>() {}));
        } else if (a.containsKey(RUN)) {
            holders.add(new Holder(a.get(RUN), a.getOrDefault(LEGACY_FAULT, "?"), "node-cordon"));
        }
        boolean was =
                a.containsKey(WAS_UNSCHEDULABLE) ? Boolean.parseBoolean(a.get(WAS_UNSCHEDULABLE)) : unschedulableNow;
        return new State(holders, was);
    }

    public static boolean marked(Map<String, String> annotations) {
        return annotations != null && (annotations.containsKey(HOLDERS) || annotations.containsKey(RUN));
    }

    /** Adds the holder (idempotent); the node is unschedulable afterwards. */
    public static Change hold(State state, Holder holder) {
        List<Holder> holders = new ArrayList<>(state.holders());
        if (!holders.contains(holder)) {
            holders.add(holder);
        }
        return write(holders, state.wasUnschedulable(), true);
    }

    /** Removes the holder; the last one restores schedulability and removes every mark. */
    public static Change release(State state, Holder holder) {
        List<Holder> holders = new ArrayList<>(state.holders());
        holders.remove(holder);
        if (holders.isEmpty()) {
            Map<String, String> clear = new LinkedHashMap<>();
            clear.put(RUN, null);
            clear.put(HOLDERS, null);
            clear.put(WAS_UNSCHEDULABLE, null);
            clear.put(LEGACY_FAULT, null);
            return new Change(clear, state.wasUnschedulable() ? Boolean.TRUE : null);
        }
        return write(holders, state.wasUnschedulable(), true);
    }

    private static Change write(List<Holder> holders, boolean was, boolean unschedulable) {
        Map<String, String> a = new LinkedHashMap<>();
        a.put(RUN, String.join(",", holders.stream().map(Holder::run).distinct().toList()));
        a.put(HOLDERS, JSON.writeValueAsString(holders));
        a.put(WAS_UNSCHEDULABLE, Boolean.toString(was));
        a.put(LEGACY_FAULT, null);
        return new Change(a, unschedulable);
    }
}
