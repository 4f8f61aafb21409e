package dev.aftershock.cli;

import java.util.LinkedHashMap;
import java.util.Map;

/** What testbed/up prints on stdout: {@code export NAME=value} lines (KUBECONFIG last), for eval. */
public final class TestbedExports {
    private TestbedExports() {}

    public static Map<String, String> parse(String stdout) {
        Map<String, String> values = new LinkedHashMap<>();
        stdout.lines().filter(l -> l.startsWith("export ")).forEach(l -> {
            int eq = l.indexOf('=');
            if (eq > 0) {
                values.put(l.substring("export ".length(), eq), l.substring(eq + 1));
            }
        });
        return values;
    }
}
