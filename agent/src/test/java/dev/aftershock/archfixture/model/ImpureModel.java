package dev.aftershock.archfixture.model;

import io.vertx.core.Vertx;

/** Breaks the pure-core rule on purpose: the architecture test proves the rule catches it. */
public final class ImpureModel {
    private ImpureModel() {}

    public static boolean running(Vertx vertx) {
        return vertx != null;
    }
}
