package dev.aftershock.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Debian's Chromium, headless, with the network shut: no DNS, a proxy that goes nowhere, and none of
 * the background connections Chromium makes by itself.
 */
final class HeadlessChromium {
    static final Path BINARY = Path.of("/usr/bin/chromium");

    record Result(String stdout, String stderr) {}

    private HeadlessChromium() {}

    static Result run(Path page, String... extra) throws IOException, InterruptedException {
        if (!Files.isExecutable(BINARY)) {
            throw new IllegalStateException(
                    "Debian's chromium is not installed: scripts/test installs it (apt-get install chromium)");
        }
        Path profile = Files.createTempDirectory("aftershock-chromium");
        List<String> command = new ArrayList<>(List.of(
                BINARY.toString(),
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--user-data-dir=" + profile,
                "--host-resolver-rules=MAP * ~NOTFOUND",
                "--proxy-server=127.0.0.1:9",
                "--enable-logging=stderr",
                "--v=0",
                "--virtual-time-budget=10000"));
        command.addAll(List.of(extra));
        command.add(page.toUri().toString());
        Path out = Files.createTempFile("chromium", ".out");
        Path err = Files.createTempFile("chromium", ".err");
        Process p = new ProcessBuilder(command)
                .redirectOutput(out.toFile())
                .redirectError(err.toFile())
                .start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("chromium did not finish within 60 s");
        }
        return new Result(Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    }
}
