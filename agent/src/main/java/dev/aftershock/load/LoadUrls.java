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
            throw new IllegalArgumentException("cannot combine " + override + " with " + fromExperiment, e);
        }
    }
}
