package skiff.platform.dynos;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The TLS rendezvous listener on SKIFF_RENDEZVOUS_PORT, where attached one-off dynos meet their client. */
public final class RendezvousListener implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RendezvousListener.class);
  private final ServerSocket server;

  public RendezvousListener(SSLContext tls, String bind, int port, OneOffDynos oneOffs) throws IOException {
    this.server = tls.getServerSocketFactory().createServerSocket(port, 50, InetAddress.getByName(bind));
    Thread acceptor = new Thread(() -> {
      while (!server.isClosed()) {
        try {
          Socket socket = server.accept();
          socket.setTcpNoDelay(true);
          Thread session = new Thread(() -> oneOffs.attach(socket), "rendezvous-session");
          session.setDaemon(true);
          session.start();
        } catch (IOException e) {
          if (!server.isClosed()) {
            log.warn("rendezvous accept failed: {}", e.toString());
          }
        }
      }
    }, "rendezvous-accept");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  public int port() {
    return server.getLocalPort();
  }

  @Override
  public void close() throws IOException {
    server.close();
  }
}
