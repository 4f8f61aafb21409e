/**
 * The agent's HTTP API in the cluster: runs submitted, followed, aborted and their reports, behind
 * Kubernetes authentication and RBAC (TokenReview, SubjectAccessReview on aftershock.dev resources).
 */
package dev.aftershock.api;
