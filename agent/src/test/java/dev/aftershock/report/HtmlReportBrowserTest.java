package dev.aftershock.report;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aftershock.journal.Journal;
import dev.aftershock.validation.RepositoryPaths;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Opens each report from a file in headless Chromium with networking shut: no console errors, every
 * chart drew, and a screenshot is kept next to the test reports for a person to look at.
 */
class HtmlReportBrowserTest {
    private static final Path SHOTS =
            RepositoryPaths.root().resolve("agent/target/surefire-reports/report-screenshots");

    static Stream<Arguments> journals() {
        return Stream.of(
                Arguments.of("passing", SampleJournals.passing()),
                Arguments.of("failed-hypothesis", SampleJournals.failedHypothesis()),
                Arguments.of("aborted-failed-recovery", SampleJournals.abortedWithFailedRecovery()),
                Arguments.of("one-hour", SampleJournals.oneHour()),
                Arguments.of("hostile-names", SampleJournals.hostileNames()),
                Arguments.of("traffic-shares", SampleJournals.withTraffic(true)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("journals")
    void opensOfflineWithoutErrorsAndDrawsEveryChart(String name, Journal journal) throws Exception {
        Files.createDirectories(SHOTS);
        Path page = SHOTS.resolve(name + ".html");
        Files.writeString(page, HtmlReport.render(journal));

        HeadlessChromium.Result dom = HeadlessChromium.run(page, "--dump-dom");

        assertThat(consoleErrors(dom.stderr())).as("console errors").isEmpty();
        assertThat(dom.stdout()).doesNotContain("data-js-errors");
        int expected = attribute(dom.stdout(), "data-charts-expected");
        assertThat(expected)
                .as("charts in the report")
                .isEqualTo(ReportView.of(journal).charts().size())
                .isPositive();
        assertThat(count(dom.stdout(), "data-drawn=\"true\""))
                .as("charts drawn")
                .isEqualTo(expected);

        Path shot = SHOTS.resolve(name + ".png");
        HeadlessChromium.run(page, "--screenshot=" + shot, "--window-size=1280,2600", "--hide-scrollbars");
        assertThat(shot).exists();
        assertThat(Files.size(shot)).isGreaterThan(20_000);
    }

    /** axe-core, the accessibility checker, run in the browser over each report: no violation. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("journals")
    void hasNoAccessibilityViolations(String name, Journal journal) throws Exception {
        Files.createDirectories(SHOTS);
        String axe;
        try (var in = HtmlReportBrowserTest.class.getResourceAsStream(
                "/META-INF/resources/webjars/axe-core/4.6.3/axe.min.js")) {
            axe = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
        String checked = HtmlReport.render(journal)
                .replace(
                        "</body>",
                        "<script>" + axe + "</script><script>axe.run(document).then(function (r) {"
                                + " document.body.setAttribute('data-axe', JSON.stringify(r.violations.map(function (v) {"
                                + " return v.id + ': ' + v.nodes.map(function (n) { return n.target.join(' '); }).join(', ');"
                                + " }))); });</script></body>");
        Path page = SHOTS.resolve(name + "-axe.html");
        Files.writeString(page, checked);

        HeadlessChromium.Result dom = HeadlessChromium.run(page, "--dump-dom");

        Matcher m = Pattern.compile("data-axe=\"([^\"]*)\"").matcher(dom.stdout());
        assertThat(m.find()).as("axe ran").isTrue();
        assertThat(m.group(1).replace("&quot;", "\""))
                .as("accessibility violations")
                .isEqualTo("[]");
    }

    /** Chromium logs the page's console to stderr as CONSOLE lines; uncaught errors show there too. */
    static Stream<String> consoleErrors(String stderr) {
        return stderr.lines().filter(l -> l.contains("CONSOLE") && (l.contains("ERROR") || l.contains("Uncaught")));
    }

    static int attribute(String html, String name) {
        Matcher m = Pattern.compile(name + "=\"(\\d+)\"").matcher(html);
        return m.find() ? Integer.parseInt(m.group(1)) : -1;
    }

    static int count(String text, String needle) {
        int n = 0;
        for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) {
            n++;
        }
        return n;
    }
}
