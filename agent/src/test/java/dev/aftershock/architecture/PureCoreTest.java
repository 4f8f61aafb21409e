package dev.aftershock.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.Test;

/**
 * The core (model, validation, selection, evaluators, report rendering) is plain Java: it can be
 * tested with one-line cases and reused by any edge. Only the kube package talks to the API server;
 * only the CLI/app edge knows Vert.x.
 */
class PureCoreTest {
    static final String[] CORE = {
        "..model..", "..validation..", "..selection..", "..evaluation..", "..report..", "..schedule.."
    };

    static final ArchRule CORE_IS_PURE = noClasses()
            .that()
            .resideInAnyPackage(CORE)
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage("io.kubernetes.client..", "io.vertx..", "okhttp3..")
            .because("the pure core must not import the Kubernetes client or Vert.x (see DEVELOPERS.md)");

    static final ArchRule ONLY_KUBE_CALLS_THE_API = noClasses()
            .that()
            .resideOutsideOfPackage("..kube..")
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage("io.kubernetes.client.openapi.apis..", "io.kubernetes.client.util..")
            .because("one package talks to the API server; the others hold a client, they do not call it");

    @Test
    void onlyTheKubePackageCallsTheApiServer() {
        JavaClasses agent = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.aftershock");
        ONLY_KUBE_CALLS_THE_API.check(agent);
    }

    @Test
    void theCoreImportsNeitherTheKubernetesClientNorVertx() {
        JavaClasses agent = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.aftershock");
        CORE_IS_PURE.check(agent);
    }

    @Test
    void theRuleFailsWhenTheCoreImportsVertx() {
        JavaClasses fixture = new ClassFileImporter().importPackages("dev.aftershock.archfixture");
        assertThatThrownBy(() -> CORE_IS_PURE.check(fixture))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("ImpureModel")
                .hasMessageContaining("io.vertx.core.Vertx");
    }
}
