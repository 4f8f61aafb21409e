package dev.aftershock.kube;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aftershock.model.FaultSpec;
import dev.aftershock.selection.ClusterSnapshot;
import io.kubernetes.client.custom.IntOrString;
import io.kubernetes.client.openapi.models.V1Container;
import io.kubernetes.client.openapi.models.V1ContainerPort;
import io.kubernetes.client.openapi.models.V1ExecAction;
import io.kubernetes.client.openapi.models.V1GRPCAction;
import io.kubernetes.client.openapi.models.V1HTTPGetAction;
import io.kubernetes.client.openapi.models.V1HTTPHeader;
import io.kubernetes.client.openapi.models.V1PodSpec;
import io.kubernetes.client.openapi.models.V1Probe;
import io.kubernetes.client.openapi.models.V1TCPSocketAction;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A container's probes as the planner sees them: handler, port, path, timing, and what no rule can single out. */
class ProbeViewsTest {
    private static ClusterSnapshot.ProbeView readiness(V1Probe probe) {
        V1Container c = new V1Container()
                .name("app")
                .ports(List.of(new V1ContainerPort().name("http").containerPort(8080)))
                .readinessProbe(probe);
        return ProbeViews.containers(new V1PodSpec().containers(List.of(c)))
                .get(0)
                .probes()
                .get(FaultSpec.Probe.READINESS);
    }

    @Test
    void anHttpProbeHasItsPortByNameItsPathAndTheApiServersDefaults() {
        ClusterSnapshot.ProbeView view = readiness(new V1Probe()
                .httpGet(new V1HTTPGetAction().port(new IntOrString("http")).path("/ready")));
        assertThat(view.handler()).isEqualTo(ClusterSnapshot.ProbeHandler.HTTP);
        assertThat(view.port()).isEqualTo(8080);
        assertThat(view.path()).isEqualTo("/ready");
        assertThat(view.periodSeconds()).isEqualTo(10);
        assertThat(view.failureThreshold()).isEqualTo(3);
        assertThat(view.unmatchable()).isEmpty();
    }

    @Test
    void aProbeSentToAnotherHostOrWithItsOwnUserAgentCannotBeSingledOut() {
        assertThat(readiness(new V1Probe()
                                .httpGet(new V1HTTPGetAction()
                                        .port(new IntOrString(8080))
                                        .host("10.0.0.9")))
                        .unmatchable())
                .contains("host 10.0.0.9");
        assertThat(readiness(new V1Probe()
                                .httpGet(new V1HTTPGetAction()
                                        .port(new IntOrString(8080))
                                        .httpHeaders(List.of(new V1HTTPHeader()
                                                .name("user-agent")
                                                .value("probe")))))
                        .unmatchable())
                .contains("its own User-Agent");
    }

    @Test
    void httpsTcpGrpcAndExecProbesAreToldApart() {
        assertThat(readiness(new V1Probe()
                                .httpGet(new V1HTTPGetAction()
                                        .port(new IntOrString(8443))
                                        .scheme("HTTPS")))
                        .handler())
                .isEqualTo(ClusterSnapshot.ProbeHandler.HTTPS);
        ClusterSnapshot.ProbeView tcp =
                readiness(new V1Probe().tcpSocket(new V1TCPSocketAction().port(new IntOrString("9090"))));
        assertThat(tcp.handler()).isEqualTo(ClusterSnapshot.ProbeHandler.TCP);
        assertThat(tcp.port()).as("a number written as a string").isEqualTo(9090);
        assertThat(readiness(new V1Probe().grpc(new V1GRPCAction().port(9000))).handler())
                .isEqualTo(ClusterSnapshot.ProbeHandler.GRPC);
        assertThat(readiness(new V1Probe().exec(new V1ExecAction().command(List.of("true"))))
                        .handler())
                .isEqualTo(ClusterSnapshot.ProbeHandler.EXEC);
    }
}
