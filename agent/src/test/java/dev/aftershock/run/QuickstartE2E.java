package dev.aftershock.run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aftershock.cli.CliRun;
import dev.aftershock.journal.HypothesisResult;
import dev.aftershock.journal.Journal;
import dev.aftershock.journal.JournalCodec;
import dev.aftershock.journal.TimelineEvent;
import dev.aftershock.kube.DemoDeployment;
import dev.aftershock.testbed.TestCluster;
import dev.aftershock.testbed.TestbedExtension;
import dev.aftershock.validation.RepositoryPaths;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * `aftershock demo` exactly as the README's first command runs it: testbed up, the target and its HPA
 * deployed from charts/target, experiments/quickstart.yaml under real load on the real nodes. It must
 * pass, and its journal must tell the HPA's story and the killed pod's replacement.
 */
@ExtendWith(TestbedExtension.class)
class QuickstartE2E {
    /** The demo leaves its target deployed for the user to look at; tests after this one need the nodes. */
    @AfterAll
    static void removeTheDemo(TestCluster cluster) throws Exception {
        new DemoDeployment(cluster.client()).deleteNamespace("aftershock-demo", Duration.ofMinutes(2));
    }

    @Test
    void theDemoPassesAndItsJournalShowsTheHpaTimelineAndThePodKillRecovery(@TempDir Path out) throws Exception {
        System.setProperty("aftershock.home", RepositoryPaths.root().toString());
        CliRun run = CliRun.of("demo", "--out", out.toString());

        assertThat(run.exitCode()).as(run.out() + run.err()).isZero();
        assertThat(run.out())
                .contains("demo 4/4: running experiments/quickstart.yaml")
                .containsPattern("replicas \\d/\\d")
                .contains("hypothesis hpa-scales-out: passed: scale-out")
                .contains("demo: the quickstart passed (exit 0). Results in " + out.toAbsolutePath());
        Journal journal = JournalCodec.read(out.resolve("journal.json"));
        assertThat(journal.hypotheses())
                .allSatisfy(h -> assertThat(h.verdict())
                        .as(h.name() + ": " + h.measured())
                        .isEqualTo(HypothesisResult.Verdict.PASSED));
        assertThat(journal.events())
                .extracting(TimelineEvent::kind)
                .contains("metric-above-target", "scale-out", "ready", "injected", "deleted");
        HypothesisResult hpa = journal.hypotheses().stream()
                .filter(h -> h.kind().equals("hpa"))
                .findFirst()
                .orElseThrow();
        assertThat(hpa.evidence())
                .extracting(m -> m.name())
                .contains(
                        "metric above target at",
                        "desired replicas rose at",
                        "new pods ready at",
                        "scale-out took",
                        "load rose at",
                        "new pods ready after the load rose",
                        "react took");
        hpa.evidence().forEach(m -> System.out.println("quickstart hpa: " + m.name() + " = " + m.shown()));
        assertThat(journal.series()).extracting(s -> s.name()).contains("hpa.target.desired", "pods.ready");
        var killed = RunFixture.onlyTarget(journal, "kill-one-pod");
        assertThat(RunFixture.measured(killed, "replacement ready after")).isPositive();
        // The target sits behind its NodePort Service: the killed pod leaves the rotation before it is gone.
        assertThat(RunFixture.measured(killed, "out of rotation after"))
                .isBetween(0.0, RunFixture.measured(killed, "pod gone after"));
        double during = RunFixture.measured(killed, "requests during its shutdown");
        assertThat(during).isPositive();
        // Measured (not NaN), and a share of the requests in the same window, not a count from elsewhere.
        assertThat(RunFixture.measured(killed, "requests failed during its shutdown"))
                .isNotNaN()
                .isBetween(0.0, during);
    }
}
