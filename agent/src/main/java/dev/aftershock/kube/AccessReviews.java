package dev.aftershock.kube;

import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.AuthenticationV1Api;
import io.kubernetes.client.openapi.apis.AuthorizationV1Api;
import io.kubernetes.client.openapi.models.V1ResourceAttributes;
import io.kubernetes.client.openapi.models.V1SelfSubjectAccessReview;
import io.kubernetes.client.openapi.models.V1SelfSubjectAccessReviewSpec;
import io.kubernetes.client.openapi.models.V1SelfSubjectReview;
import io.kubernetes.client.openapi.models.V1SubjectAccessReview;
import io.kubernetes.client.openapi.models.V1SubjectAccessReviewSpec;
import io.kubernetes.client.openapi.models.V1TokenReview;
import io.kubernetes.client.openapi.models.V1TokenReviewSpec;
import io.kubernetes.client.openapi.models.V1UserInfo;

/**
 * Who a bearer token belongs to and what they may do, asked of the API server as Kubernetes tools
 * ask it: the agent's API is guarded by ordinary RBAC on virtual resources of the group
 * {@value #GROUP} (runs, reports) in the agent's namespace, with no CRD. Two ways to ask:
 * <ul>
 *   <li>{@link #delegated}: the agent sends a TokenReview, then a SubjectAccessReview, as itself. Both
 *       are cluster-scoped grants (the chart's ClusterRole with {@code rbac.scope: cluster}).
 *   <li>{@link #asCaller}: the agent sends a SelfSubjectReview and a SelfSubjectAccessReview with the
 *       caller's own token, as kubectl would for the caller ({@code kubectl auth whoami}, {@code auth
 *       can-i}). Every authenticated user may create both (the built-in system:basic-user role), so
 *       the agent needs no cluster-scoped grant ({@code rbac.scope: namespaced}).
 * </ul>
 * Either way the token is sent to the API server only, and never written anywhere.
 */
public final class AccessReviews {
    public static final String GROUP = "aftershock.dev";

    /** What the API server said of one caller and one action. */
    public sealed interface Decision {
        /** The token is valid and the user may. */
        record Allowed(String user) implements Decision {}

        /** The token is not valid (expired, revoked, unknown). */
        record Unauthenticated(String why) implements Decision {}

        /** The token is valid, but RBAC does not grant the action. */
        record Denied(String user, String why) implements Decision {}
    }

    private interface Ask {
        Decision decide(String token, V1ResourceAttributes action) throws ApiException;
    }

    private final Ask ask;
    private final String namespace;

    private AccessReviews(Ask ask, String namespace) {
        this.ask = ask;
        this.namespace = namespace;
    }

    /** TokenReview and SubjectAccessReview, sent by the agent with its own {@code client}. */
    public static AccessReviews delegated(ApiClient client, String namespace) {
        AuthenticationV1Api authentication = new AuthenticationV1Api(client);
        AuthorizationV1Api authorization = new AuthorizationV1Api(client);
        return new AccessReviews(
                (token, action) -> {
                    V1TokenReview review = authentication
                            .createTokenReview(new V1TokenReview().spec(new V1TokenReviewSpec().token(token)))
                            .execute();
                    var status = review.getStatus();
                    if (status == null || !Boolean.TRUE.equals(status.getAuthenticated()) || status.getUser() == null) {
                        return new Decision.Unauthenticated(
                                status == null || status.getError() == null
                                        ? "the token is not valid"
                                        : status.getError());
                    }
                    V1UserInfo user = status.getUser();
                    V1SubjectAccessReview access = authorization
                            .createSubjectAccessReview(new V1SubjectAccessReview()
                                    .spec(new V1SubjectAccessReviewSpec()
                                            .user(user.getUsername())
                                            .uid(user.getUid())
                                            .groups(user.getGroups())
                                            .extra(user.getExtra())
                                            .resourceAttributes(action)))
                            .execute();
                    return decision(
                            user.getUsername(),
                            access.getStatus() != null && access.getStatus().getAllowed(),
                            action);
                },
                namespace);
    }

    /** SelfSubjectReview and SelfSubjectAccessReview, sent with each caller's token to the API server of {@code access}. */
    public static AccessReviews asCaller(ClusterAccess access, String namespace) {
        var callers = KubeClients.asCallers(access);
        return new AccessReviews(
                (token, action) -> {
                    ApiClient caller = callers.apply(token);
                    try {
                        V1SelfSubjectReview self = new AuthenticationV1Api(caller)
                                .createSelfSubjectReview(new V1SelfSubjectReview())
                                .execute();
                        String user =
                                self.getStatus() == null || self.getStatus().getUserInfo() == null
                                        ? "unknown"
                                        : self.getStatus().getUserInfo().getUsername();
                        V1SelfSubjectAccessReview review = new AuthorizationV1Api(caller)
                                .createSelfSubjectAccessReview(new V1SelfSubjectAccessReview()
                                        .spec(new V1SelfSubjectAccessReviewSpec().resourceAttributes(action)))
                                .execute();
                        return decision(
                                user,
                                review.getStatus() != null && review.getStatus().getAllowed(),
                                action);
                    } catch (ApiException e) {
                        // The API server refused the token itself (expired, revoked, unknown); a 403 on the
                        // SelfSubjectReview, which every authenticated user may create, is the anonymous user.
                        if (e.getCode() == 401 || e.getCode() == 403) {
                            return new Decision.Unauthenticated("the token is not valid");
                        }
                        throw e;
                    }
                },
                namespace);
    }

    public Decision decide(String token, String verb, String resource) throws ApiException {
        return ask.decide(
                token,
                new V1ResourceAttributes()
                        .namespace(namespace)
                        .group(GROUP)
                        .resource(resource)
                        .verb(verb));
    }

    private static Decision decision(String user, boolean allowed, V1ResourceAttributes action) {
        if (allowed) {
            return new Decision.Allowed(user);
        }
        return new Decision.Denied(
                user,
                "%s may not %s %s.%s in namespace %s"
                        .formatted(user, action.getVerb(), action.getResource(), GROUP, action.getNamespace()));
    }
}
