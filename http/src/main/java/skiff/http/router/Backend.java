package skiff.http.router;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * One web dyno's process as the router sees it: its name, the port and address it serves on and the
 * requests it has outstanding. A new process of the same dyno (another port) is another backend, so requests
 * still finishing on the old one never count against the new one. A process on another node is
 * reached through that node's router (a hop: see {@link Hop}); {@link #node()} names the node.
 */
public final class Backend {
  private final String dyno;
  private final int port;
  private final DynoEndpoint endpoint;
  private final String node;
  private final String hopTarget;
  private final AtomicInteger outstanding = new AtomicInteger();
  private volatile long quarantinedUntil;

  /** A process on this node. */
  public Backend(String dyno, int port, DynoEndpoint endpoint) {
    this(dyno, port, endpoint, null, null);
  }

  /**
   * A process of app {@code appId} on {@code node} (null: this one); {@code endpoint} is that node's
   * router for a process elsewhere.
   */
  public Backend(String dyno, int port, DynoEndpoint endpoint, String node, String appId) {
    this.dyno = dyno;
    this.port = port;
    this.endpoint = endpoint;
    this.node = node;
    this.hopTarget = node == null ? null : Hop.target(appId, dyno, port);
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

  /** The node whose router reaches this process; null when it is this node's own. */
  public String node() {
    return node;
  }

  /** What a hop to the process's node names it by; null for a process of this node. */
  String hopTarget() {
    return hopTarget;
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
    return dyno + "@" + (node == null ? "" : node + ":") + port;
  }
}
