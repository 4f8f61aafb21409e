package dev.aftershock.load;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import org.junit.jupiter.api.Test;

/** The address requests leave from toward a host: loopback toward loopback; nothing for a host that does not resolve. */
class SourceAddressTest {
    @Test
    void towardLoopbackItIsLoopback() {
        assertThat(SourceAddress.toward(URI.create("http://127.0.0.1:8080/"))).contains("127.0.0.1");
    }

    @Test
    void aHostThatDoesNotResolveGivesNothing() {
        assertThat(SourceAddress.toward(URI.create("http://no-such-host.invalid/")))
                .isEmpty();
    }
}
