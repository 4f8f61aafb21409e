package dev.aftershock.report;

import dev.aftershock.journal.Journal;
import gg.jte.ContentType;
import gg.jte.TemplateEngine;
import gg.jte.output.StringOutput;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * Renders a journal as one HTML file that opens offline: styles, Chart.js and the data are inlined,
 * nothing is fetched. The template is precompiled (jte-maven-plugin) and escapes by context.
 */
public final class HtmlReport {
    static final String CHART_JS = "/META-INF/resources/webjars/chart.js/4.5.1/dist/chart.umd.min.js";
    private static final TemplateEngine TEMPLATES = TemplateEngine.createPrecompiled(ContentType.Html);
    private static final String CHART_JS_SOURCE = readChartJs();

    private HtmlReport() {}

    public static String render(Journal journal) {
        return render(journal, CHART_JS_SOURCE);
    }

    /** With another Chart.js body (golden tests compare the report without the library's 200 KB). */
    static String render(Journal journal, String chartJs) {
        StringOutput out = new StringOutput(256 * 1024);
        TEMPLATES.render("report.jte", java.util.Map.of("view", ReportView.of(journal), "chartJs", chartJs), out);
        return out.toString();
    }

    /** Two runs side by side, offline as a report is (see {@link ComparisonView}). */
    public static String compare(Journal a, Journal b) {
        return compare(a, b, CHART_JS_SOURCE);
    }

    static String compare(Journal a, Journal b, String chartJs) {
        StringOutput out = new StringOutput(512 * 1024);
        TEMPLATES.render("compare.jte", java.util.Map.of("view", ComparisonView.of(a, b), "chartJs", chartJs), out);
        return out.toString();
    }

    private static String readChartJs() {
        try (InputStream in = HtmlReport.class.getResourceAsStream(CHART_JS)) {
            if (in == null) {
                throw new IllegalStateException("Chart.js is missing from the classpath: " + CHART_JS);
            }
            // The library must not end the <script> element it is inlined into.
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).replace("</script", "<\\/script");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
