/**
 * One class per fault action, each with inject and recover on one target. Faults never choose their
 * targets: the planner does, and the run engine hands them over one by one.
 */
package dev.aftershock.fault;
