package skiff.test;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;

/** What the benchmarks borrow from the dyno tests. */
public final class DynoTestSupport {
  private DynoTestSupport() {}

  /** Where one web dyno listens, reached directly (see DynoAddress). */
  public static java.net.InetSocketAddress address(Api api, String app, String dyno) {
    return DynoAddress.of(DynoTest.dyno(api, app, dyno));
  }

  /** Waits until exactly {@code count} web dynos are up, all on {@code version}, and no others of the type are left. */
  public static void awaitWeb(Api api, String app, int count, int version) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    JsonNode last = null;
    while (System.nanoTime() < deadline) {
      last = api.get("/apps/" + app + "/dynos").body();
      int up = 0;
      int web = 0;
      for (JsonNode d : last) {
        if (d.path("type").asText().equals("web")) {
          web++;
          if (d.path("state").asText().equals("up") && d.path("release").path("version").asInt() == version) {
            up++;
          }
        }
      }
      if (up == count && web == count) {
        return;
      }
      Thread.sleep(25);
    }
    throw new AssertionError("never " + count + " web dynos up on v" + version + ": " + last);
  }
}
