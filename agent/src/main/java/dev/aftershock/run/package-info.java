/**
 * One run of an experiment against a cluster: plan, guards, the fault timeline, recovery (always
 * attempted, also on SIGTERM), journal and report. The edge between the pure core and the API.
 */
package dev.aftershock.run;
