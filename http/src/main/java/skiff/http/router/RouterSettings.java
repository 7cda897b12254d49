package skiff.http.router;

import java.time.Duration;
import java.util.function.Consumer;

/**
 * How the router behaves: Heroku's timeouts (first byte, rolling idle window), the domain apps
 * answer at, the balancing ({@code random} only for comparison), how to wake an idled app, and the
 * secret other nodes' routers prove a {@link Hop} with (empty: this router takes no hops), and how
 * many event loops it runs.
 */
public record RouterSettings(Duration firstByteTimeout, Duration idleTimeout, String domain, boolean random,
    Consumer<String> wake, byte[] hopSecret, int threads) {

  /** A router of one node alone, on one event loop. */
  public RouterSettings(Duration firstByteTimeout, Duration idleTimeout, String domain, boolean random,
      Consumer<String> wake) {
    this(firstByteTimeout, idleTimeout, domain, random, wake, new byte[0], 1);
  }
}
