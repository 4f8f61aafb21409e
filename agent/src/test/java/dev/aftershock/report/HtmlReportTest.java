package dev.aftershock.report;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class HtmlReportTest {
    @Test
    void isOneFileThatFetchesNothing() {
        String html = HtmlReport.render(SampleJournals.passing());
        assertThat(html).contains("Chart.js v4.5.1");
        assertThat(html).doesNotContain("<script src", "<link ", "@import url", "http://cdn", "https://cdn");
    }

    @Test
    void escapesWhatTheClusterSaid() {
        String html = HtmlReport.render(SampleJournals.passing());
        assertThat(html).doesNotContain("<script>alert(1)</script>").contains("&lt;script&gt;alert(1)&lt;/script&gt;");
    }

    @Test
    void namesWhatFailedAtTheTop() {
        String html = HtmlReport.render(SampleJournals.abortedWithFailedRecovery());
        String verdict = html.substring(html.indexOf("class=\"verdict"), html.indexOf("</section>"));
        assertThat(verdict)
                .contains("ABORTED")
                .contains("Hypothesis latency failed: measured p99 2.00 s, error rate 12.22 %")
                .contains("Aborted at T+2:05")
                .contains("kwok-node-2 unrecovered: uncordon failed");
    }

    @Test
    void everyChartHasATextAlternative() {
        String html = HtmlReport.render(SampleJournals.passing());
        assertThat(html.split("<canvas ", -1)).hasSize(6);
        assertThat(html.split("role=\"img\" aria-label=\"", -1)).hasSize(6);
        assertThat(html).contains("p99 peaked at").contains("per minute (table)");
    }

    @Test
    void showsEachLoadInjectorWithItsShareRatesClockAndEnd() {
        var j = SampleJournals.passing();
        var withInjectors = new dev.aftershock.journal.Journal(
                j.format(),
                j.run(),
                j.experiment(),
                j.environment(),
                j.faults(),
                j.terminations(),
                j.load()
                        .withInjectors(java.util.List.of(
                                new dev.aftershock.journal.LoadSeries.Injector(
                                        0, "aftershock-injector-abc", "real-node-1", 600, 600, 30, 21, 12L, 0, null),
                                new dev.aftershock.journal.LoadSeries.Injector(
                                        1,
                                        "aftershock-injector-def",
                                        "real-node-2",
                                        190,
                                        600,
                                        10,
                                        20,
                                        2_140L,
                                        2,
                                        "injector 1 (pod aftershock-injector-def) stopped reporting at T+0:10"))),
                j.series(),
                j.events(),
                j.hypotheses(),
                j.abort(),
                j.rollback());
        String html = HtmlReport.render(withInjectors);
        String table =
                html.substring(html.indexOf("<h2>Load injectors</h2>"), html.indexOf("<h2>Pod terminations</h2>"));
        assertThat(table)
                .contains("<td>aftershock-injector-abc</td><td>real-node-1</td><td>600 of 600 planned (100.00 %)</td>"
                        + "<td>20.0</td><td>21</td><td>skew + log delay at most 12 ms</td>")
                .contains("190 of 600 planned (31.67 %)")
                .contains("at most 2140 ms; frames moved 2 s")
                .contains(
                        "<td class=\"failed\">injector 1 (pod aftershock-injector-def) stopped reporting at T+0:10</td>");
        assertThat(HtmlReport.render(j)).doesNotContain("Load injectors");
    }
}
