package dev.aftershock.report;

import dev.aftershock.journal.Journal;
import dev.aftershock.journal.JournalCodec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The artifact set of one run in one folder: journal.json, report.html, junit.xml. */
public final class ReportFiles {
    public static final String JOURNAL = "journal.json";
    public static final String HTML = "report.html";
    public static final String JUNIT = "junit.xml";

    private ReportFiles() {}

    /** Writes all three; returns the HTML report's path. */
    public static Path writeAll(Journal journal, Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + dir, e);
        }
        JournalCodec.write(journal, dir.resolve(JOURNAL));
        return writeRenderings(journal, dir);
    }

    /** Writes the renderings (HTML, JUnit) of a journal; returns the HTML report's path. */
    public static Path writeRenderings(Journal journal, Path dir) {
        try {
            Files.createDirectories(dir);
            Path html = dir.resolve(HTML);
            Files.writeString(html, HtmlReport.render(journal));
            Files.writeString(dir.resolve(JUNIT), JUnitReport.render(journal));
            return html;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the report into " + dir, e);
        }
    }
}
