package dev.aftershock.model;

import java.util.Optional;

/** The workload under test and, when load is sent through one, its Service. */
public record Target(String namespace, WorkloadRef workload, Optional<String> service) {}
