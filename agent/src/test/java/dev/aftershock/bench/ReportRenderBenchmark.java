package dev.aftershock.bench;

import dev.aftershock.journal.Journal;
import dev.aftershock.journal.JournalCodec;
import dev.aftershock.report.HtmlReport;
import dev.aftershock.report.SampleJournals;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * Renders the journal of a one-hour run (3,600 s, 12 series, about a million requests) and, as the
 * baseline run side by side in the same JVM, serialises the same journal to JSON. Prints medians and
 * the ratio; targets: rendering under 2 s and the HTML under 2 MB. Run: scripts/bench report
 */
public final class ReportRenderBenchmark {
    private ReportRenderBenchmark() {}

    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 15;
        Journal journal = SampleJournals.oneHour();
        long requests = journal.load().totals().requests();
        // Warm both paths before measuring: the first call of each pays for class loading and JIT.
        for (int i = 0; i < 3; i++) {
            HtmlReport.render(journal);
            JournalCodec.toJson(journal);
        }
        double[] render = new double[rounds];
        double[] json = new double[rounds];
        int htmlBytes = 0;
        for (int i = 0; i < rounds; i++) {
            // Alternate the two so that machine noise hits both alike.
            render[i] = time(() -> HtmlReport.render(journal));
            json[i] = time(() -> JournalCodec.toJson(journal));
        }
        htmlBytes = HtmlReport.render(journal).getBytes(StandardCharsets.UTF_8).length;
        int journalBytes = JournalCodec.toJson(journal).getBytes(StandardCharsets.UTF_8).length;
        double renderMedian = Stats.median(render);
        double jsonMedian = Stats.median(json);
        System.out.printf(
                Locale.ROOT,
                "journal: %d s, %d series, %,d requests, %,d bytes as JSON%n",
                journal.load().seconds().size(),
                journal.series().size(),
                requests,
                journalBytes);
        System.out.printf(
                Locale.ROOT,
                "render HTML     median %8.1f ms  (target < 2000 ms)  size %,d bytes (target < 2,000,000)%n",
                renderMedian,
                htmlBytes);
        System.out.printf(Locale.ROOT, "baseline: JSON  median %8.1f ms%n", jsonMedian);
        System.out.printf(Locale.ROOT, "ratio render/JSON: %.2f%n", renderMedian / jsonMedian);
    }

    private static double time(Supplier<String> work) {
        long start = System.nanoTime();
        String out = work.get();
        long took = System.nanoTime() - start;
        if (out.isEmpty()) {
            throw new IllegalStateException("empty output");
        }
        return took / 1e6;
    }
}
