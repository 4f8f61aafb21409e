package dev.aftershock.journal;

/** Something that happened at an instant: a fault step, an HPA decision, a pod ready, an abort. */
public record TimelineEvent(long t, String source, String kind, String subject, String message) {}
