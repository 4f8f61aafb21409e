package dev.aftershock.kube;

import io.kubernetes.client.common.KubernetesListObject;
import io.kubernetes.client.common.KubernetesObject;
import io.kubernetes.client.informer.ListerWatcher;
import io.kubernetes.client.informer.SharedIndexInformer;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1ListMeta;
import io.kubernetes.client.openapi.models.V1Node;
import io.kubernetes.client.openapi.models.V1NodeList;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodList;
import io.kubernetes.client.util.CallGenerator;
import io.kubernetes.client.util.CallGeneratorParams;
import io.kubernetes.client.util.Watch;
import io.kubernetes.client.util.Watchable;
import java.lang.reflect.Type;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * What an informer of many objects lists and watches, kept light. client-java's own lister reads
 * the whole collection in one response and parses it into a JSON tree before building the objects:
 * 20,000 pods held three times over, and an informer that runs out of heap stops watching, which
 * for a run is a blind timeline, not only a memory problem. This one lists a page at a time (as
 * client-go's reflector does) and drops, as each page arrives, what no reader of the agent looks
 * at and what weighs most: {@code managedFields}, the last-applied copy of an object kubectl
 * keeps in an annotation, and a node's list of images. Watch events are lightened the same way
 * by the informer's transform ({@link #lightenEvents}).
 */
final class PagedListerWatcher<T extends KubernetesObject, L extends KubernetesListObject>
        implements ListerWatcher<T, L> {
    static final String LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";

    private final ApiClient client;
    private final ClusterReader.Page<L> page;
    private final CallGenerator watchCall;
    private final Class<T> type;
    private final Type eventType;
    private final UnaryOperator<T> lighten;
    private final BiFunction<List<T>, V1ListMeta, L> list;
    private final Function<L, List<T>> items;

    private PagedListerWatcher(
            ApiClient client,
            ClusterReader.Page<L> page,
            CallGenerator watchCall,
            Class<T> type,
            UnaryOperator<T> lighten,
            BiFunction<List<T>, V1ListMeta, L> list,
            Function<L, List<T>> items) {
        this.client = client;
        this.page = page;
        this.watchCall = watchCall;
        this.type = type;
        this.eventType = com.google.gson.reflect.TypeToken.getParameterized(Watch.Response.class, type)
                .getType();
        this.lighten = lighten;
        this.list = list;
        this.items = items;
    }

    /** Every pod of the namespace. */
    static PagedListerWatcher<V1Pod, V1PodList> pods(ApiClient client, String namespace) {
        CoreV1Api core = new CoreV1Api(client);
        return new PagedListerWatcher<>(
                client,
                next -> core.listNamespacedPod(namespace)
                        .limit(ClusterReader.PAGE)
                        ._continue(next)
                        .execute(),
                p -> core.listNamespacedPod(namespace)
                        .resourceVersion(p.resourceVersion)
                        .timeoutSeconds(p.timeoutSeconds)
                        .watch(p.watch)
                        .buildCall(null),
                V1Pod.class,
                PagedListerWatcher::lighten,
                (pods, meta) -> new V1PodList()
                        .apiVersion("v1")
                        .kind("PodList")
                        .items(pods)
                        .metadata(meta),
                V1PodList::getItems);
    }

    /** Every node. */
    static PagedListerWatcher<V1Node, V1NodeList> nodes(ApiClient client) {
        CoreV1Api core = new CoreV1Api(client);
        return new PagedListerWatcher<>(
                client,
                next -> core.listNode()
                        .limit(ClusterReader.PAGE)
                        ._continue(next)
                        .execute(),
                p -> core.listNode()
                        .resourceVersion(p.resourceVersion)
                        .timeoutSeconds(p.timeoutSeconds)
                        .watch(p.watch)
                        .buildCall(null),
                V1Node.class,
                PagedListerWatcher::lighten,
                (nodes, meta) -> new V1NodeList()
                        .apiVersion("v1")
                        .kind("NodeList")
                        .items(nodes)
                        .metadata(meta),
                V1NodeList::getItems);
    }

    /**
     * The whole collection as of now, page by page. The reflector's resource version is not passed
     * on: "0" (any, from the watch cache) would make the API server ignore the page limit, and a list
     * without one is at least as new as any version the reflector asks for.
     */
    @Override
    public L list(CallGeneratorParams params) throws ApiException {
        ClusterReader.Listed<T> listed =
                ClusterReader.listed(page, l -> items.apply(l).stream().map(lighten));
        // The reflector only reads the items: the list as read is handed over, not copied again.
        return list.apply(listed.items(), new V1ListMeta().resourceVersion(listed.resourceVersion()));
    }

    /** As client-java's own: the call on the watch client, which has no read timeout. */
    @Override
    public Watchable<T> watch(CallGeneratorParams params) throws ApiException {
        okhttp3.Call call = watchCall.generate(params);
        return Watch.createWatch(client, client.getHttpClient().newCall(call.request()), eventType);
    }

    /**
     * Lightens what the informer's watch brings, as {@link #list} does what it lists. The transform
     * is handed every delta's object, which after a relist includes the informer's marker for an
     * object deleted while the watch was away: that passes as it is (what it wraps came from the
     * store, already light), or the delete would be lost and the object kept for good.
     */
    void lightenEvents(SharedIndexInformer<T> informer) {
        informer.setTransform(o -> type.isInstance(o) ? lighten.apply(type.cast(o)) : o);
    }

    /**
     * Besides the metadata's weight, what no reader of a watched pod looks at and every pod carries:
     * the projected service-account volume (a dozen objects a pod) and its mounts, tolerations,
     * security contexts. Volumes are read only to tell whether a pod uses an emptyDir (a drain's
     * question), so those are kept.
     */
    static V1Pod lighten(V1Pod pod) {
        lighten(pod.getMetadata());
        var spec = pod.getSpec();
        if (spec != null) {
            if (spec.getVolumes() != null) {
                spec.setVolumes(spec.getVolumes().stream()
                        .filter(v -> v.getEmptyDir() != null)
                        .map(v -> new io.kubernetes.client.openapi.models.V1Volume()
                                .name(v.getName())
                                .emptyDir(v.getEmptyDir()))
                        .collect(java.util.stream.Collectors.toCollection(java.util.ArrayList::new)));
            }
            spec.setTolerations(null);
            spec.setSecurityContext(null);
            if (spec.getContainers() != null) {
                spec.getContainers().forEach(c -> {
                    c.setVolumeMounts(null);
                    c.setSecurityContext(null);
                });
            }
        }
        return pod;
    }

    static V1Node lighten(V1Node node) {
        lighten(node.getMetadata());
        if (node.getStatus() != null) {
            node.getStatus().setImages(null);
        }
        return node;
    }

    private static void lighten(V1ObjectMeta meta) {
        if (meta == null) {
            return;
        }
        meta.setManagedFields(null);
        if (meta.getAnnotations() != null && meta.getAnnotations().containsKey(LAST_APPLIED)) {
            var annotations = new java.util.HashMap<>(meta.getAnnotations());
            annotations.remove(LAST_APPLIED);
            meta.setAnnotations(annotations);
        }
    }
}
