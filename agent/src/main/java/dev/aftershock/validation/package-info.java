/**
 * Reads an experiment file and checks all of it (YAML safety, the JSON Schema, then meaning) before
 * anything touches a cluster. Every problem carries FILE:LINE:COL. Pure: no Kubernetes client, no
 * Vert.x.
 */
package dev.aftershock.validation;
