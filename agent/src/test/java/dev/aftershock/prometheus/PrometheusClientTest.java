package dev.aftershock.prometheus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aftershock.evaluation.PromQlEvaluator.Sample;
import java.io.IOException;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

class PrometheusClientTest {
    @Test
    void vectorsGiveOneLabelledSampleEachAndScalarsOne() throws Exception {
        var vector = JsonMapper.shared().readTree("""
                        {"resultType":"vector","result":[
                          {"metric":{"pod":"a","__name__":"up"},"value":[1700000000.1,"1"]},
                          {"metric":{},"value":[1700000000.1,"0.25"]}]}""");
        assertThat(PrometheusClient.samples(vector))
                .containsExactly(new Sample("{__name__=\"up\",pod=\"a\"}", 1), new Sample("", 0.25));
        var scalar = JsonMapper.shared().readTree("{\"resultType\":\"scalar\",\"result\":[1700000000.1,\"42\"]}");
        assertThat(PrometheusClient.samples(scalar)).containsExactly(new Sample("", 42));
    }

    @Test
    void aRangeQueryIsRefusedWithAHint() {
        var matrix = JsonMapper.shared().readTree("{\"resultType\":\"matrix\",\"result\":[]}");
        assertThatThrownBy(() -> PrometheusClient.samples(matrix))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("gave a matrix");
    }
}
