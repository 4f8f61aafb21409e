package dev.aftershock.load;

import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.Optional;

/**
 * The address this machine's requests leave from toward a URL's host: what a target pod sees as
 * the client when nothing on the way rewrites it (a Service's externalTrafficPolicy Local keeps
 * it; Cluster rewrites it to a node's). The kernel's choice of route, asked by connecting a UDP
 * socket (which sends nothing).
 */
public final class SourceAddress {
    private SourceAddress() {}

    public static Optional<String> toward(URI url) {
        if (url.getHost() == null) {
            return Optional.empty();
        }
        try (DatagramSocket socket = new DatagramSocket()) {
            int port = url.getPort() > 0 ? url.getPort() : "https".equals(url.getScheme()) ? 443 : 80;
            socket.connect(new InetSocketAddress(InetAddress.getByName(url.getHost()), port));
            InetAddress local = socket.getLocalAddress();
            return local == null || local.isAnyLocalAddress() ? Optional.empty() : Optional.of(local.getHostAddress());
        } catch (java.io.IOException | RuntimeException e) {
            // A host that does not resolve here: the client address cannot be judged.
            return Optional.empty();
        }
    }
}
