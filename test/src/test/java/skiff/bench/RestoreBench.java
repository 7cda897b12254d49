package skiff.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.UUID;
import skiff.platform.node.SkiffNode;
import skiff.test.Api;
import skiff.test.DynoTestSupport;
import skiff.test.Git;
import skiff.test.TestNode;

/**
 * {@code rollback --to T} on an app with a long history (100,000 events by default): the time from
 * the request to the new release (the journal read and replayed to T, the plan applied), and to its
 * dynos up in the formation of T; the dry run and {@code GET /state?at=T} beside it, as they replay
 * the same history. Not a test; run with {@code mvn -Pbench -pl test -am verify} or this class's main.
 */
public final class RestoreBench {
  private RestoreBench() {}

  public static void main(String[] args) throws Exception {
    int total = Integer.getInteger("bench.events", 100_000);
    Path home = Files.createTempDirectory("skiff-restore-bench");
    String name = "restore-bench";
    long filling = System.nanoTime();
    JournalBench.prefill(home, UUID.randomUUID().toString(), name, total);
    System.out.printf("== Skiff restore benchmark: an app with %d events (written in %.1f s) ==%n", total,
        (System.nanoTime() - filling) / 1e9);
    try (SkiffNode node = TestNode.start(home)) {
      Api api = new Api(node.apiPort(), TestNode.TOKEN);
      Git git = Git.init(Files.createTempDirectory("restore-bench-app"));
      git.write("Procfile", "web: python3 -m http.server $PORT\n").write("requirements.txt", "").commit("app");
      Git.Result pushed = git.pushTo(node.apiPort(), name);
      if (pushed.status() != 0) {
        throw new IllegalStateException(pushed.output());
      }
      DynoTestSupport.awaitWeb(api, name, 1, currentVersion(api, name));
      Instant one = pause();
      api.patch("/apps/" + name + "/config-vars", "{\"BENCH\":\"2\"}").expect(200);
      api.patch("/apps/" + name + "/formation", "{\"updates\":[{\"type\":\"web\",\"quantity\":2}]}").expect(200);
      DynoTestSupport.awaitWeb(api, name, 2, currentVersion(api, name));
      Instant two = pause();

      JournalBench.measure("GET /state?at=T (replay to T)", 5, () -> {
        long start = System.nanoTime();
        api.get("/apps/" + name + "/state?at=" + one).expect(200);
        return (System.nanoTime() - start) / 1e6;
      });
      JournalBench.measure("restore --dry-run", 5, () -> {
        long start = System.nanoTime();
        api.post("/apps/" + name + "/restores", "{\"at\":\"" + one + "\",\"dry_run\":true}").expect(200);
        return (System.nanoTime() - start) / 1e6;
      });
      long[] inPlace = new long[6];
      JournalBench.measure("restore: request to new release", 6, new java.util.concurrent.Callable<>() {
        int round;

        @Override
        public Double call() throws Exception {
          boolean toOne = round % 2 == 0;
          long start = System.nanoTime();
          JsonNode answer = api.post("/apps/" + name + "/restores", "{\"at\":\"" + (toOne ? one : two) + "\"}")
              .expect(201).body();
          double released = (System.nanoTime() - start) / 1e6;
          DynoTestSupport.awaitWeb(api, name, toOne ? 1 : 2, answer.path("release").path("version").asInt());
          inPlace[round++] = System.nanoTime() - start;
          return released;
        }
      });
      JournalBench.measure("restore: request to formation up", 6, new java.util.concurrent.Callable<>() {
        int round;

        @Override
        public Double call() {
          return inPlace[round++] / 1e6;
        }
      });
    }
  }

  private static Instant pause() throws InterruptedException {
    Thread.sleep(100);
    Instant at = Instant.now();
    Thread.sleep(100);
    return at;
  }

  private static int currentVersion(Api api, String app) {
    return api.get("/apps/" + app + "/releases", "version ..; max=1, order=desc").body().get(0).path("version")
        .asInt();
  }
}
