package skiff.http.router;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * One web dyno's process as the router sees it: its name, the port and address it serves on and the
 * requests it has outstanding. A new process of the same dyno (another port) is another backend, so requests
 * still finishing on the old one never count against the new one.
 */
public final class Backend {
  private final String dyno;
  private final int port;
  private final DynoEndpoint endpoint;
  private final AtomicInteger outstanding = new AtomicInteger();
  private volatile long quarantinedUntil;

  public Backend(String dyno, int port, DynoEndpoint endpoint) {
    this.dyno = dyno;
    this.port = port;
    this.endpoint = endpoint;
  }

  public String dyno() {
    return dyno;
  }

  public int port() {
    return port;
  }

  /** Where the dyno's process listens and how a connection to it is made. */
  public DynoEndpoint endpoint() {
    return endpoint;
  }

  public int outstanding() {
    return outstanding.get();
  }

  void begin() {
    outstanding.incrementAndGet();
  }

  void finish() {
    outstanding.decrementAndGet();
  }

  /** Refused a connection: other dynos are tried first for a while. */
  void quarantine(long nanos) {
    quarantinedUntil = System.nanoTime() + nanos;
  }

  boolean usable(long now) {
    return quarantinedUntil - now <= 0;
  }

  @Override
  public String toString() {
    return dyno + "@" + port;
  }
}
