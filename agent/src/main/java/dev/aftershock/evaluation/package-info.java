/**
 * Pure core: request outcomes gathered per second, and the evaluators that judge hypotheses and
 * abort conditions from them. No Kubernetes client, no Vert.x.
 */
package dev.aftershock.evaluation;
