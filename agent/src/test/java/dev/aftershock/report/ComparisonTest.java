package dev.aftershock.report;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aftershock.journal.Journal;
import dev.aftershock.validation.RepositoryPaths;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * `aftershock compare`'s page: two runs side by side, exactly as reviewed (golden), and in headless
 * Chromium offline: no console error, every chart of both runs drawn.
 */
class ComparisonTest {
    private static final Path SHOTS =
            RepositoryPaths.root().resolve("agent/target/surefire-reports/report-screenshots");
    private final Journal local = SampleJournals.withTraffic(true);
    private final Journal cluster = SampleJournals.withTraffic(false);

    @Test
    void localAgainstClusterMatchesTheGoldenFile() throws Exception {
        GoldenFiles.assertMatches(
                "compare-etp.html", HtmlReport.compare(local, cluster, "/* Chart.js " + "inlined here */"));
    }

    @Test
    void eachHypothesisAndEachNumberStandsBesideTheOthersRun() {
        ComparisonView v = ComparisonView.of(local, SampleJournals.abortedWithFailedRecovery());

        assertThat(v.hypotheses())
                .filteredOn(h -> h.name().equals("even-spread"))
                .singleElement()
                .satisfies(h -> {
                    assertThat(h.verdictA()).isEqualTo("failed");
                    assertThat(h.measuredB()).isEqualTo("not in this run");
                });
        assertThat(v.numbers())
                .extracting(n -> n.label() + ": " + n.a())
                .contains("even-spread: pod skew: 3 times", "even-spread: client address preserved: 100 %");
        assertThat(v.charts())
                .filteredOn(c -> c.title().startsWith("Share of requests per pod"))
                .singleElement()
                .satisfies(c -> assertThat(c.canvasB()).isEmpty());
    }

    /** A container's chart says when a VPA recommends for it; before and after adding one it is the same chart. */
    @Test
    void theSameChartIsTheSameTitleBeforeItsParenthesis() {
        assertThat(ComparisonView.key("CPU of container app (millicores)"))
                .isEqualTo(ComparisonView.key("CPU of container app (millicores; a VPA's recommendation)"))
                .isEqualTo("CPU of container app");
        assertThat(ComparisonView.key("Throughput")).isEqualTo("Throughput");
    }

    @Test
    void eachRunHasItsOwnColumnEvenWhenBothHaveNoAutoscalerEvent() {
        assertThat(ComparisonView.of(SampleJournals.passing(), SampleJournals.passing())
                        .sides())
                .extracting(ComparisonView.Side::label)
                .containsExactly("A", "B");
    }

    @Test
    void opensOfflineWithoutErrorsAndDrawsEveryChartOfBothRuns() throws Exception {
        Files.createDirectories(SHOTS);
        Path page = SHOTS.resolve("compare-etp.html");
        Files.writeString(page, HtmlReport.compare(local, cluster));
        ComparisonView view = ComparisonView.of(local, cluster);
        long canvases = view.charts().stream()
                .mapToLong(c -> (c.canvasA().isPresent() ? 1 : 0) + (c.canvasB().isPresent() ? 1 : 0))
                .sum();

        HeadlessChromium.Result dom = HeadlessChromium.run(page, "--dump-dom");

        assertThat(HtmlReportBrowserTest.consoleErrors(dom.stderr()))
                .as("console errors")
                .isEmpty();
        assertThat(dom.stdout()).doesNotContain("data-js-errors");
        assertThat(HtmlReportBrowserTest.attribute(dom.stdout(), "data-charts-expected"))
                .isEqualTo((int) canvases)
                .isPositive();
        assertThat(HtmlReportBrowserTest.count(dom.stdout(), "data-drawn=\"true\""))
                .isEqualTo((int) canvases);
        Path shot = SHOTS.resolve("compare-etp.png");
        HeadlessChromium.run(page, "--screenshot=" + shot, "--window-size=1400,3000", "--hide-scrollbars");
        assertThat(Files.size(shot)).isGreaterThan(20_000);
    }
}
