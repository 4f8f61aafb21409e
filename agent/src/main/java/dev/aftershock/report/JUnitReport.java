package dev.aftershock.report;

import dev.aftershock.journal.FaultRecord;
import dev.aftershock.journal.Format;
import dev.aftershock.journal.HypothesisResult;
import dev.aftershock.journal.Journal;
import dev.aftershock.journal.Measurement;
import dev.aftershock.journal.TargetRecord;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.xml.stream.XMLOutputFactory;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamWriter;

/**
 * JUnit XML for CI: one test case per hypothesis and one per fault target's recovery; an aborted or
 * failed run adds a "run" case in error. Failures state what was measured against what was expected.
 */
public final class JUnitReport {
    private JUnitReport() {}

    private record Case(
            String classname,
            String name,
            double seconds,
            String failureType,
            String failure,
            String error,
            String detail) {}

    public static String render(Journal j) {
        String suite = "aftershock." + j.experiment().name();
        List<Case> cases = new ArrayList<>();
        for (HypothesisResult h : j.hypotheses()) {
            String detail = "expected " + h.expected() + "; measured " + h.measured()
                    + (h.evidence().isEmpty() ? "" : "; " + Measurement.joined(h.evidence(), "; "));
            String failure = switch (h.verdict()) {
                case PASSED -> null;
                case FAILED ->
                    "%s (%s) failed: measured %s, expected %s"
                            .formatted(h.name(), h.kind(), h.measured(), h.expected());
                case NOT_EVALUATED -> "%s (%s) could not be evaluated: %s".formatted(h.name(), h.kind(), h.measured());
            };
            cases.add(new Case(suite + ".hypotheses", h.name(), 0, "HypothesisFailed", failure, null, detail));
        }
        for (FaultRecord f : j.faults()) {
            for (TargetRecord t : f.targets()) {
                String target = t.kind().toLowerCase(Locale.ROOT) + " "
                        + (t.namespace() == null ? "" : t.namespace() + "/") + t.name();
                double seconds = t.injectedAtMs() != null && t.recoveredAtMs() != null
                        ? (t.recoveredAtMs() - t.injectedAtMs()) / 1000.0
                        : 0;
                String detail = "state " + t.state().name().toLowerCase(Locale.ROOT)
                        + (t.message() == null ? "" : "; " + t.message())
                        + (t.measurements().isEmpty() ? "" : "; " + Measurement.joined(t.measurements(), "; "));
                String failure = t.state().settled()
                        ? null
                        : "%s was not recovered after %s: %s"
                                .formatted(
                                        target,
                                        f.name(),
                                        t.message() == null ? t.state().name().toLowerCase(Locale.ROOT) : t.message());
                cases.add(new Case(
                        suite + ".recovery",
                        f.name() + " " + target,
                        seconds,
                        "RecoveryFailed",
                        failure,
                        null,
                        detail));
            }
        }
        if (j.abort() != null) {
            cases.add(new Case(
                    suite,
                    "run",
                    j.run().lengthMs() / 1000.0,
                    null,
                    null,
                    "aborted at %s: %s (%s)"
                            .formatted(
                                    Format.offset(j.abort().t()),
                                    j.abort().reason(),
                                    j.abort().condition()),
                    null));
        } else if (j.run().outcome() == dev.aftershock.journal.RunInfo.Outcome.ERROR) {
            cases.add(new Case(
                    suite,
                    "run",
                    j.run().lengthMs() / 1000.0,
                    null,
                    null,
                    "the run ended in an infrastructure error",
                    null));
        }
        return write(j, suite, cases);
    }

    private static String write(Journal j, String suite, List<Case> cases) {
        StringWriter out = new StringWriter();
        try {
            XMLStreamWriter x = XMLOutputFactory.newFactory().createXMLStreamWriter(out);
            x.writeStartDocument("UTF-8", "1.0");
            x.writeCharacters("\n");
            x.writeStartElement("testsuites");
            x.writeAttribute("name", "aftershock");
            x.writeAttribute("tests", Integer.toString(cases.size()));
            x.writeAttribute(
                    "failures",
                    Long.toString(
                            cases.stream().filter(c -> c.failure() != null).count()));
            x.writeAttribute(
                    "errors",
                    Long.toString(cases.stream().filter(c -> c.error() != null).count()));
            x.writeAttribute("time", seconds(j.run().lengthMs() / 1000.0));
            x.writeCharacters("\n  ");
            x.writeStartElement("testsuite");
            x.writeAttribute("name", suite);
            x.writeAttribute("tests", Integer.toString(cases.size()));
            x.writeAttribute(
                    "failures",
                    Long.toString(
                            cases.stream().filter(c -> c.failure() != null).count()));
            x.writeAttribute(
                    "errors",
                    Long.toString(cases.stream().filter(c -> c.error() != null).count()));
            x.writeAttribute("skipped", "0");
            x.writeAttribute("time", seconds(j.run().lengthMs() / 1000.0));
            x.writeAttribute(
                    "timestamp",
                    j.run().startedAt().toString().replaceAll("\\.\\d+Z$", "Z").replace("Z", ""));
            x.writeAttribute("hostname", "aftershock");
            x.writeCharacters("\n    ");
            x.writeStartElement("properties");
            property(x, "run.id", j.run().id());
            property(x, "run.outcome", j.run().outcome().name().toLowerCase(Locale.ROOT));
            property(x, "run.exitCode", Integer.toString(j.run().exitCode()));
            property(x, "experiment.seed", Long.toString(j.experiment().seed()));
            x.writeCharacters("\n    ");
            x.writeEndElement();
            for (Case c : cases) {
                x.writeCharacters("\n    ");
                x.writeStartElement("testcase");
                x.writeAttribute("classname", c.classname());
                x.writeAttribute("name", c.name());
                x.writeAttribute("time", seconds(c.seconds()));
                if (c.failure() != null) {
                    x.writeCharacters("\n      ");
                    x.writeStartElement("failure");
                    x.writeAttribute("message", c.failure());
                    x.writeAttribute("type", c.failureType());
                    x.writeCharacters(c.detail() == null ? c.failure() : c.detail());
                    x.writeEndElement();
                }
                if (c.error() != null) {
                    x.writeCharacters("\n      ");
                    x.writeStartElement("error");
                    x.writeAttribute("message", c.error());
                    x.writeAttribute("type", "RunAborted");
                    x.writeCharacters(c.error());
                    x.writeEndElement();
                }
                if (c.failure() == null && c.error() == null && c.detail() != null) {
                    x.writeCharacters("\n      ");
                    x.writeStartElement("system-out");
                    x.writeCharacters(c.detail());
                    x.writeEndElement();
                }
                if (c.failure() != null || c.error() != null || c.detail() != null) {
                    x.writeCharacters("\n    ");
                }
                x.writeEndElement();
            }
            x.writeCharacters("\n  ");
            x.writeEndElement();
            x.writeCharacters("\n");
            x.writeEndElement();
            x.writeCharacters("\n");
            x.writeEndDocument();
            x.close();
        } catch (XMLStreamException e) {
            throw new IllegalStateException("cannot write JUnit XML", e);
        }
        return out.toString();
    }

    private static void property(XMLStreamWriter x, String name, String value) throws XMLStreamException {
        x.writeCharacters("\n      ");
        x.writeEmptyElement("property");
        x.writeAttribute("name", name);
        x.writeAttribute("value", value);
    }

    private static String seconds(double s) {
        return String.format(Locale.ROOT, "%.3f", s);
    }
}
