package dev.aftershock.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.StringReader;
import java.net.URL;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.transform.stream.StreamSource;
import javax.xml.validation.SchemaFactory;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import org.xml.sax.InputSource;

/** The JUnit XML is what CI systems read: it must validate, and failures must carry their numbers. */
class JUnitReportTest {
    static java.util.stream.Stream<dev.aftershock.journal.Journal> journals() {
        return java.util.stream.Stream.of(
                SampleJournals.passing(),
                SampleJournals.failedHypothesis(),
                SampleJournals.abortedWithFailedRecovery());
    }

    @ParameterizedTest
    @MethodSource("journals")
    void validatesAgainstTheJUnitSchema(dev.aftershock.journal.Journal journal) throws Exception {
        URL xsd = JUnitReportTest.class.getResource("/junit/junit.xsd");
        var schema =
                SchemaFactory.newInstance(XMLConstants.W3C_XML_SCHEMA_NS_URI).newSchema(xsd);
        schema.newValidator().validate(new StreamSource(new StringReader(JUnitReport.render(journal))));
    }

    @org.junit.jupiter.api.Test
    void aFailedHypothesisIsAFailureWithItsNumbers() throws Exception {
        var doc = DocumentBuilderFactory.newInstance()
                .newDocumentBuilder()
                .parse(new InputSource(new StringReader(JUnitReport.render(SampleJournals.failedHypothesis()))));
        NodeList failures = doc.getElementsByTagName("failure");
        assertThat(failures.getLength()).isEqualTo(1);
        Element failure = (Element) failures.item(0);
        assertThat(((Element) failure.getParentNode()).getAttribute("name")).isEqualTo("users-barely-notice");
        assertThat(failure.getAttribute("message"))
                .isEqualTo(
                        "users-barely-notice (slo) failed: measured p99 812 ms, error rate 0.02 %, expected p99 <= 300 ms, error rate <= 1 %");
        assertThat(doc.getDocumentElement().getAttribute("failures")).isEqualTo("1");
    }

    @org.junit.jupiter.api.Test
    void anAbortedRunWithAFailedRecoveryShowsBoth() throws Exception {
        String xml = JUnitReport.render(SampleJournals.abortedWithFailedRecovery());
        assertThat(xml)
                .contains(
                        "<error message=\"aborted at T+2:05: error rate 33.6 % for 30 s (errorRate &gt; 25% for 30s)\"")
                .contains("node kwok-node-2 was not recovered after drain-one: uncordon failed: HTTP 403");
    }
}
