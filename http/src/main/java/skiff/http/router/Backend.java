package skiff.http.router;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * One web dyno's process as the router sees it: its name, the port it serves on and the requests it
 * has outstanding. A new process of the same dyno (another port) is another backend, so requests
 * still finishing on the old one never count against the new one.
 */
public final class Backend {
  private final String dyno;
  private final int port;
  private final AtomicInteger outstanding = new AtomicInteger();
  private volatile long quarantinedUntil;

  public Backend(String dyno, int port) {
    this.dyno = dyno;
    this.port = port;
  }

  public String dyno() {
    return dyno;
  }

  public int port() {
    return port;
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
