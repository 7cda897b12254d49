package skiff.http.router;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.function.Supplier;

/**
 * Where a web dyno's process listens and how the router's connection to it is made. A sealed
 * dyno's connections are made inside its own network namespace (see the platform's
 * {@code SandboxEndpoint}), so they take the kernel's loopback path rather than a network hop;
 * the router itself knows nothing of namespaces.
 */
public interface DynoEndpoint {
  /** What the connection is made to. */
  InetSocketAddress address();

  /** Makes the (unconnected) socket channel for a new connection; its socket is made by {@code make}. */
  default <C> C open(Supplier<C> make) {
    return make.get();
  }

  /** A process on this host's own network, at its loopback address. */
  static DynoEndpoint loopback(int port) {
    InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
    return () -> address;
  }
}
