package skiff.actors.dynos;

/**
 * Told whenever a dyno's state or serving port changes (after the event is in the journal), so the
 * router starts and stops sending it requests at once: before a dyno gets SIGTERM, it is out.
 */
@FunctionalInterface
public interface DynoWatcher {
  /** {@code port} is 0 when the dyno should get no requests. */
  void changed(String appId, String dynoName, String state, int port);

  DynoWatcher NONE = (appId, dynoName, state, port) -> { };
}
