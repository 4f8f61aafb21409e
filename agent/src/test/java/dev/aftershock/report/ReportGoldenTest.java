package dev.aftershock.report;

import dev.aftershock.journal.Journal;
import java.io.IOException;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The three journals every renderer must get right render exactly as reviewed. */
class ReportGoldenTest {
    static Stream<Arguments> journals() {
        return Stream.of(
                Arguments.of("passing", SampleJournals.passing()),
                Arguments.of("failed-hypothesis", SampleJournals.failedHypothesis()),
                Arguments.of("aborted-failed-recovery", SampleJournals.abortedWithFailedRecovery()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("journals")
    void htmlMatchesTheGoldenFile(String name, Journal journal) throws IOException {
        // The 200 KB library is left out: the golden file shows the report, not Chart.js.
        GoldenFiles.assertMatches(name + ".html", HtmlReport.render(journal, "/* Chart.js " + "inlined here */"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("journals")
    void junitXmlMatchesTheGoldenFile(String name, Journal journal) throws IOException {
        GoldenFiles.assertMatches(name + ".junit.xml", JUnitReport.render(journal));
    }
}
