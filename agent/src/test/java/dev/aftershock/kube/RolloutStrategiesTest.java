package dev.aftershock.kube;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubernetes.client.custom.IntOrString;
import io.kubernetes.client.openapi.models.V1Deployment;
import io.kubernetes.client.openapi.models.V1DeploymentSpec;
import io.kubernetes.client.openapi.models.V1DeploymentStrategy;
import io.kubernetes.client.openapi.models.V1RollingUpdateDeployment;
import io.kubernetes.client.openapi.models.V1RollingUpdateStatefulSetStrategy;
import io.kubernetes.client.openapi.models.V1StatefulSet;
import io.kubernetes.client.openapi.models.V1StatefulSetSpec;
import io.kubernetes.client.openapi.models.V1StatefulSetUpdateStrategy;
import org.junit.jupiter.api.Test;

/** How many pods a restart takes down at once, read from the workload's strategy as its controller reads it. */
class RolloutStrategiesTest {
    private static V1Deployment deployment(V1DeploymentStrategy strategy) {
        return new V1Deployment().spec(new V1DeploymentSpec().strategy(strategy));
    }

    private static V1DeploymentStrategy rolling(IntOrString maxUnavailable) {
        return new V1DeploymentStrategy()
                .type("RollingUpdate")
                .rollingUpdate(new V1RollingUpdateDeployment().maxUnavailable(maxUnavailable));
    }

    @Test
    void aDeploymentTakesDownWhatItsStrategyAllows() {
        assertThat(RolloutStrategies.unavailable(deployment(new V1DeploymentStrategy().type("Recreate")), 4))
                .as("Recreate: all at once")
                .isEqualTo(4);
        assertThat(RolloutStrategies.unavailable(deployment(null), 4))
                .as("the default, 25 %, rounded down")
                .isEqualTo(1);
        assertThat(RolloutStrategies.unavailable(deployment(null), 3)).isZero();
        assertThat(RolloutStrategies.unavailable(deployment(rolling(new IntOrString("50%"))), 5))
                .isEqualTo(2);
        assertThat(RolloutStrategies.unavailable(deployment(rolling(new IntOrString(3))), 5))
                .isEqualTo(3);
    }

    @Test
    void aPausedDeploymentWouldRollNothing() {
        V1Deployment paused = new V1Deployment().spec(new V1DeploymentSpec().paused(true));
        assertThat(RolloutStrategies.refusal(paused)).startsWith("it is paused");
        assertThat(RolloutStrategies.refusal(deployment(null))).isEmpty();
    }

    @Test
    void aStatefulSetRollsOneAtATimeAndNothingOnDeleteOrBelowAPartition() {
        V1StatefulSet plain = new V1StatefulSet().spec(new V1StatefulSetSpec());
        assertThat(RolloutStrategies.unavailable(plain)).isEqualTo(1);
        assertThat(RolloutStrategies.refusal(plain)).isEmpty();

        V1StatefulSet onDelete = new V1StatefulSet()
                .spec(new V1StatefulSetSpec().updateStrategy(new V1StatefulSetUpdateStrategy().type("OnDelete")));
        assertThat(RolloutStrategies.refusal(onDelete)).contains("OnDelete");

        V1StatefulSet partitioned = new V1StatefulSet()
                .spec(new V1StatefulSetSpec()
                        .updateStrategy(new V1StatefulSetUpdateStrategy()
                                .type("RollingUpdate")
                                .rollingUpdate(new V1RollingUpdateStatefulSetStrategy().partition(2))));
        assertThat(RolloutStrategies.refusal(partitioned)).contains("partition 2");
    }
}
