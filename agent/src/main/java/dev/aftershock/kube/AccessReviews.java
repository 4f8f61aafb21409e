package dev.aftershock.kube;

import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.AuthenticationV1Api;
import io.kubernetes.client.openapi.apis.AuthorizationV1Api;
import io.kubernetes.client.openapi.models.V1ResourceAttributes;
import io.kubernetes.client.openapi.models.V1SubjectAccessReview;
import io.kubernetes.client.openapi.models.V1SubjectAccessReviewSpec;
import io.kubernetes.client.openapi.models.V1TokenReview;
import io.kubernetes.client.openapi.models.V1TokenReviewSpec;
import io.kubernetes.client.openapi.models.V1UserInfo;

/**
 * Who a bearer token belongs to and what they may do, asked of the API server as Kubernetes tools
 * ask it (a TokenReview, then a SubjectAccessReview): the agent's API is guarded by ordinary RBAC on
 * virtual resources of the group {@value #GROUP} (runs, reports) in the agent's namespace, with no CRD.
 * The token is sent to the API server only, and never written anywhere.
 */
public final class AccessReviews {
    public static final String GROUP = "aftershock.dev";

    private final AuthenticationV1Api authentication;
    private final AuthorizationV1Api authorization;
    private final String namespace;

    public AccessReviews(ApiClient client, String namespace) {
        this.authentication = new AuthenticationV1Api(client);
        this.authorization = new AuthorizationV1Api(client);
        this.namespace = namespace;
    }

    /** What the API server said of one caller and one action. */
    public sealed interface Decision {
        /** The token is valid and the user may. */
        record Allowed(String user) implements Decision {}

        /** The token is not valid (expired, revoked, unknown). */
        record Unauthenticated(String why) implements Decision {}

        /** The token is valid, but RBAC does not grant the action. */
        record Denied(String user, String why) implements Decision {}
    }

    public Decision decide(String token, String verb, String resource) throws ApiException {
        V1TokenReview review = authentication
                .createTokenReview(new V1TokenReview().spec(new V1TokenReviewSpec().token(token)))
                .execute();
        var status = review.getStatus();
        if (status == null || !Boolean.TRUE.equals(status.getAuthenticated()) || status.getUser() == null) {
            String why = status == null || status.getError() == null ? "the token is not valid" : status.getError();
            return new Decision.Unauthenticated(why);
        }
        V1UserInfo user = status.getUser();
        V1SubjectAccessReview access = authorization
                .createSubjectAccessReview(new V1SubjectAccessReview()
                        .spec(new V1SubjectAccessReviewSpec()
                                .user(user.getUsername())
                                .uid(user.getUid())
                                .groups(user.getGroups())
                                .extra(user.getExtra())
                                .resourceAttributes(new V1ResourceAttributes()
                                        .namespace(namespace)
                                        .group(GROUP)
                                        .resource(resource)
                                        .verb(verb))))
                .execute();
        if (access.getStatus() != null && access.getStatus().getAllowed()) {
            return new Decision.Allowed(user.getUsername());
        }
        return new Decision.Denied(
                user.getUsername(),
                "%s may not %s %s.%s in namespace %s".formatted(user.getUsername(), verb, resource, GROUP, namespace));
    }
}
