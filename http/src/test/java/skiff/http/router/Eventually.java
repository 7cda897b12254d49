package skiff.http.router;

import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** Waits for what a router does a moment after answering (its log line, a count going back to 0). */
final class Eventually {
  private Eventually() {}

  /** Returns once {@code condition} holds; fails naming {@code what} after 5 s. */
  static void await(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("waited 5 s for " + what);
      }
      Thread.sleep(10);
    }
  }
}
