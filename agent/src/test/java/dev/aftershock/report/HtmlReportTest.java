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
}
