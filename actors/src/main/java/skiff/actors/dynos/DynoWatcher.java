package skiff.actors.dynos;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Told whenever a dyno's state or serving port changes (after the event is in the journal), so the
 * router starts and stops sending it requests at once: before a dyno gets SIGTERM, it is out.
 */
@FunctionalInterface
public interface DynoWatcher {
  /** {@code port} is 0 when the dyno should get no requests. */
  void changed(String appId, String dynoName, String state, int port);

  /**
   * The same, saying which node's process serves ({@code port} is on that node). A watcher that
   * only routes on its own node takes the port from its own node's processes alone.
   */
  default void changed(String appId, String dynoName, String state, int port, String node) {
    changed(appId, dynoName, state, port);
  }

  /**
   * Called before a process that may be serving gets SIGTERM: it gets no new request from now on,
   * and the answer completes once the requests it was serving are over, or after {@code within}.
   * Without a router there is nothing to wait for.
   */
  default CompletionStage<Void> drain(String appId, String dynoName, int port, Duration within) {
    return CompletableFuture.completedFuture(null);
  }

  DynoWatcher NONE = (appId, dynoName, state, port) -> { };
}
