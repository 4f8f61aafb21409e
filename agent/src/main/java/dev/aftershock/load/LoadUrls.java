package dev.aftershock.load;

import java.net.URI;
import java.net.URISyntaxException;

/** The URL the load goes to: the experiment's, or its path and query on another origin. */
public final class LoadUrls {
    private LoadUrls() {}

    public static URI effective(URI fromExperiment, URI override) {
        if (override == null) {
            return fromExperiment;
        }
        try {
            return new URI(
                    override.getScheme(),
                    override.getUserInfo(),
                    override.getHost(),
                    override.getPort(),
                    fromExperiment.getPath(),
                    fromExperiment.getQuery(),
                    null);
        } catch (URISyntaxException e) {
            // Neither URL in the message: either may carry a credential.
            throw new IllegalArgumentException("--load-url cannot be combined with the experiment's load URL", e);
        }
    }
}
