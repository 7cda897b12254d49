package skiff.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.Map;
import skiff.platform.node.SkiffNode;
import skiff.test.Api;
import skiff.test.Git;
import skiff.test.TestNode;

/**
 * The dyno manifold: time from ps:scale web=1→20 until all 20 are up, and time from a dyno's
 * crash to up again. Not a test; run with
 * {@code mvn -Pbench -pl test -am verify}.
 */
public final class DynoBench {
  public static void main(String[] args) throws Exception {
    Map<String, String> env = TestNode.env(TestNode.freshHome());
    try (SkiffNode node = TestNode.start(env)) {
      Api api = new Api(node.apiPort(), TestNode.TOKEN);
      System.out.println("== Skiff dyno benchmark (" + api.get("/status").body().path("isolation").asText() + ") ==");
      api.post("/apps", "{\"name\":\"tiny\"}").expect(201);
      Git git = Git.init(Files.createTempDirectory("dyno-bench").resolve("tiny"));
      git.write("Procfile", "web: exec python3 -m http.server $PORT\n").commit("tiny");
      Git.Result pushed = git.run("push", "-q", "http://h:" + TestNode.TOKEN + "@127.0.0.1:" + node.apiPort()
          + "/tiny.git", "main");
      if (pushed.status() != 0) {
        throw new IllegalStateException(pushed.output());
      }
      awaitUp(api, 1);

      long start = System.nanoTime();
      api.patch("/apps/tiny/formation", "{\"updates\":[{\"type\":\"web\",\"quantity\":20}]}").expect(200);
      awaitUp(api, 20);
      System.out.printf("%-40s %6.2f s%n", "ps:scale web=1 -> 20, until all up", (System.nanoTime() - start) / 1e9);
      // memory per dyno: see bin/skiff-bench dynos (a slope over 0, 50 and 100 dynos; one before/after
      // difference of RSS moved more with garbage collection than with 20 dynos, and came out negative)

      double[] times = new double[10];
      // a different dyno each round: a dyno's first crash restarts at once, a second would wait out the cooldown
      for (int i = 0; i < times.length; i++) {
        String name = "web." + (i + 1);
        long pid = dyno(api, name).path("pid").asLong();
        long t0 = System.nanoTime();
        ProcessHandle.of(pid).ifPresent(p -> {
          p.descendants().forEach(ProcessHandle::destroyForcibly);
          p.destroyForcibly();
        });
        while (true) {
          JsonNode d = dyno(api, name);
          if (d.path("state").asText().equals("up") && d.path("pid").asLong() != pid) {
            break;
          }
          Thread.sleep(5);
        }
        times[i] = (System.nanoTime() - t0) / 1e6;
      }
      Arrays.sort(times);
      System.out.printf("%-40s median %4.0f ms, worst %4.0f ms (%d crashes)%n", "crash (kill -9) to up again",
          times[times.length / 2], times[times.length - 1], times.length);
    }
  }

  private static JsonNode dyno(Api api, String name) {
    for (JsonNode d : api.get("/apps/tiny/dynos").body()) {
      if (d.path("name").asText().equals(name)) {
        return d;
      }
    }
    throw new IllegalStateException("no " + name);
  }

  private static void awaitUp(Api api, int count) throws InterruptedException {
    while (true) {
      int up = 0;
      for (JsonNode d : api.get("/apps/tiny/dynos").body()) {
        up += d.path("state").asText().equals("up") ? 1 : 0;
      }
      if (up >= count) {
        return;
      }
      Thread.sleep(10);
    }
  }
}
