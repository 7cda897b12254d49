package skiff.http.router;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.FastThreadLocal;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The exchanges in progress on one event loop, looked at every {@link #TICK_MILLIS} ms for their
 * timeouts (H12, H15, H28): one task per loop rather than a task scheduled and cancelled for every
 * request, thousands of times a second. A timeout fires up to one tick late. Used only from its
 * loop's thread, so it needs no lock.
 */
final class Deadlines {
  static final long TICK_MILLIS = 50;
  private static final FastThreadLocal<Deadlines> PER_LOOP = new FastThreadLocal<>();

  /** The part of an exchange the deadlines look at. */
  interface Timed {
    void checkTimeouts(long now);
  }

  private final EventLoop loop;
  /** In insertion order; an exchange is removed by identity, usually from near the front. */
  private final List<Timed> pending = new ArrayList<>();
  private boolean ticking;

  private Deadlines(EventLoop loop) {
    this.loop = loop;
  }

  static Deadlines of(EventLoop loop) {
    Deadlines deadlines = PER_LOOP.get();
    if (deadlines == null) {
      deadlines = new Deadlines(loop);
      PER_LOOP.set(deadlines);
    }
    return deadlines;
  }

  void add(Timed exchange) {
    pending.add(exchange);
    if (!ticking) {
      ticking = true;
      loop.schedule(this::tick, TICK_MILLIS, TimeUnit.MILLISECONDS);
    }
  }

  void remove(Timed exchange) {
    for (int i = 0; i < pending.size(); i++) {
      if (pending.get(i) == exchange) {
        pending.remove(i);
        return;
      }
    }
  }

  private void tick() {
    long now = System.nanoTime();
    // a copy: a check may end its exchange, which removes it from the list
    for (Timed exchange : pending.toArray(new Timed[0])) {
      exchange.checkTimeouts(now);
    }
    ticking = !pending.isEmpty();
    if (ticking) {
      loop.schedule(this::tick, TICK_MILLIS, TimeUnit.MILLISECONDS);
    }
  }
}
