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

  /**
   * Runs a pending release's {@code release} command as a one-off dyno with the release's slug and
   * config vars; its end comes back to the app's entity as {@link AppEntity.ReleasePhaseEnded}
   * (status 0 = the release may go live), wherever that entity is by then.
   */
  default void runReleasePhase(AppEntity.LiveApp app, ReleaseRecord release, Cause cause) {}

  /**
   * The app's entity started again with release {@code version} pending: if its release command
   * no longer runs, the runner ends it with {@link AppEntity.ReleasePhaseEnded}; if it runs, its
   * end comes as usual.
   */
  default void checkReleasePhase(String appId, int version) {}

  DynoScheduler NONE = (app, cause) -> { };
}
