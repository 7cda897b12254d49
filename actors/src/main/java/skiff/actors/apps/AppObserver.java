package skiff.actors.apps;

/**
 * Told after every change an app persists, with the app as it now is; and when it is destroyed.
 * The router keeps its table of hosts, maintenance flags and error pages this way, so a request
 * never has to ask an entity.
 */
public interface AppObserver {
  void changed(AppEntity.LiveApp app);

  void gone(String appId, String name);

  AppObserver NONE = new AppObserver() {
    @Override
    public void changed(AppEntity.LiveApp app) {}

    @Override
    public void gone(String appId, String name) {}
  };
}
