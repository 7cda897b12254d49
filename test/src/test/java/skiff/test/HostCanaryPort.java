package skiff.test;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A service on the host listening on every address, that no dyno may reach: the escape probes are
 * given its port and the host's own address, and it counts every connection it gets.
 */
final class HostCanaryPort implements AutoCloseable {
  private final ServerSocket server;
  private final AtomicInteger connections = new AtomicInteger();

  HostCanaryPort() throws IOException {
    server = new ServerSocket(0, 50, InetAddress.getByName("0.0.0.0"));
    Thread accept = new Thread(() -> {
      while (!server.isClosed()) {
        try (Socket s = server.accept()) {
          connections.incrementAndGet();
        } catch (IOException closed) {
          return;
        }
      }
    }, "host-canary-port");
    accept.setDaemon(true);
    accept.start();
  }

  int port() {
    return server.getLocalPort();
  }

  int connections() {
    return connections.get();
  }

  /** The host's own IPv4 address (not loopback, not a dyno link's). */
  static String hostAddress() throws IOException {
    for (NetworkInterface nic : java.util.Collections.list(NetworkInterface.getNetworkInterfaces())) {
      for (InetAddress a : java.util.Collections.list(nic.getInetAddresses())) {
        String text = a.getHostAddress();
        if (a instanceof Inet4Address && !a.isLoopbackAddress() && !text.startsWith("198.18.")
            && !text.startsWith("198.19.")) {
          return text;
        }
      }
    }
    return "127.0.0.1";
  }

  /** The config vars the probe reads. */
  String configVars() throws IOException {
    return "\"HOST_PORT\":\"" + port() + "\",\"HOST_IP\":\"" + hostAddress() + "\"";
  }

  @Override
  public void close() throws IOException {
    server.close();
  }
}
