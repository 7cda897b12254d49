package skiff.actors.apps;

/**
 * Told after every change an app persists, with the app as it now is; and when it is destroyed.
 * The router keeps its table of hosts, maintenance flags and error pages this way, so a request
 * never has to ask an entity.
 */
public interface AppObserver {
  void changed(AppEntity.LiveApp app);

  void gone(String appId, String name);

  /** A release was issued (pending or live). */
  default void released(AppEntity.LiveApp app, ReleaseRecord release) {}

  /** The formation changed. */
  default void scaled(AppEntity.LiveApp app, java.util.List<FormationEntry> entries, skiff.actors.Cause cause) {}

  /** The app was destroyed; {@code last} is how it was just before (its builds, for one). */
  default void destroyed(AppEntity.LiveApp last) {}

  /** A build started, succeeded or failed ({@code build} as it now is). */
  default void built(AppEntity.LiveApp app, skiff.actors.builds.BuildRecord build) {}

  /** Tells each of {@code observers} everything, in order. */
  static AppObserver all(AppObserver... observers) {
    return new AppObserver() {
      @Override
      public void changed(AppEntity.LiveApp app) {
        for (AppObserver o : observers) {
          o.changed(app);
        }
      }

      @Override
      public void destroyed(AppEntity.LiveApp last) {
        for (AppObserver o : observers) {
          o.destroyed(last);
        }
      }

      @Override
      public void gone(String appId, String name) {
        for (AppObserver o : observers) {
          o.gone(appId, name);
        }
      }

      @Override
      public void released(AppEntity.LiveApp app, ReleaseRecord release) {
        for (AppObserver o : observers) {
          o.released(app, release);
        }
      }

      @Override
      public void scaled(AppEntity.LiveApp app, java.util.List<FormationEntry> entries, skiff.actors.Cause cause) {
        for (AppObserver o : observers) {
          o.scaled(app, entries, cause);
        }
      }

      @Override
      public void built(AppEntity.LiveApp app, skiff.actors.builds.BuildRecord build) {
        for (AppObserver o : observers) {
          o.built(app, build);
        }
      }
    };
  }

  AppObserver NONE = new AppObserver() {
    @Override
    public void changed(AppEntity.LiveApp app) {}

    @Override
    public void gone(String appId, String name) {}
  };
}
