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
   * config vars; {@code done} gets the exit status (0 = the release may go live) and a reason.
   */
  default void runReleasePhase(AppEntity.LiveApp app, ReleaseRecord release,
      java.util.function.BiConsumer<Integer, String> done) {
    done.accept(0, "no release phase runner");
  }

  DynoScheduler NONE = (app, cause) -> { };
}
