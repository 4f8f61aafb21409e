package dev.aftershock.selection;

import java.util.Optional;

/**
 * One list of pods planning reads, with the API's own selectors, so a large cluster's other pods
 * never leave the API server: a namespace's pods by labels, or every namespace's pods on one node.
 *
 * @param namespace where to list; empty for every namespace
 * @param labelSelector the API's labelSelector ("" for every pod)
 * @param fieldSelector the API's fieldSelector ("" for none)
 */
public record PodQuery(Optional<String> namespace, String labelSelector, String fieldSelector) {
    /** The pods of a namespace that a selector matches. */
    public static PodQuery labelled(String namespace, LabelSelector selector) {
        return new PodQuery(Optional.of(namespace), selector.query(), "");
    }

    /** Whether this is one node's pods: few (the node's pod capacity), so read in one answer. */
    public boolean oneNode() {
        return fieldSelector.startsWith("spec.nodeName=");
    }

    /** Every pod bound to a node, whatever its namespace: what a drain evicts. */
    public static PodQuery onNode(String node) {
        return new PodQuery(Optional.empty(), "", "spec.nodeName=" + node);
    }
}
