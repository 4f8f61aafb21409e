package dev.aftershock.journal;

/** The rollback policy and what recovering all fault targets achieved. */
public record RollbackRecord(String policy, boolean performed, int recovered, int failed, String message) {}
