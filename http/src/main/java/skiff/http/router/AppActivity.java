package skiff.http.router;

/**
 * When an app last got a request. It outlives routing snapshots (one per app), so a request only
 * writes one volatile field and idling reads it.
 */
public final class AppActivity {
  private volatile long lastRequest;

  public AppActivity(long now) {
    lastRequest = now;
  }

  void touch(long now) {
    lastRequest = now;
  }

  long lastRequest() {
    return lastRequest;
  }
}
