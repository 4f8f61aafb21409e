package dev.aftershock.journal;

/** Why and when the run stopped early. */
public record AbortRecord(long t, String condition, String reason) {}
