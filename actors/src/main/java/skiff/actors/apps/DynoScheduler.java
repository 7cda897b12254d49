package skiff.actors.apps;

import skiff.actors.Cause;

/**
 * Told whenever what an app should run may have changed (a release, a formation change, the app's
 * end), so the app's dynos converge on it. Idempotent: telling it twice is harmless.
 */
@FunctionalInterface
public interface DynoScheduler {
  void converge(AppEntity.LiveApp app, Cause cause);

  /** The app is gone: stop all its dynos. */
  default void retireAll(String appId, java.util.Map<String, Integer> highWater, Cause cause) {}

  DynoScheduler NONE = (app, cause) -> { };
}
