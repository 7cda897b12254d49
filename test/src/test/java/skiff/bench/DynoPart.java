package skiff.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import skiff.actors.dynos.DynoRuntime;
import skiff.platform.dynos.ProcessDynoRuntime;
import skiff.platform.node.SkiffNode;
import skiff.test.Api;
import skiff.test.Git;
import skiff.test.TestNode;

/**
 * Dynos: a web dyno's start through Skiff (scale 0 → 1 until the API says up: placed, journaled,
 * started in its sandbox, its port answering) beside the same slug's process started in the same
 * sandbox by hand (the node's process runtime alone); scale-up time from 0 to 1, 10, 20, 50 and 100
 * dynos; and the platform's memory (live heap after a full collection, and RSS) with 0, 50 and 100
 * dynos running, so the cost per dyno is a slope, not a difference of two noisy numbers.
 */
final class DynoPart implements BenchSuite.Runner {
  private static final String APP = "tiny";

  @Override
  public void run(BenchSuite suite) throws Exception {
    Map<String, String> env = TestNode.env(TestNode.freshHome());
    env.put("SKIFF_NODE_CAPACITY", "150");
    try (SkiffNode node = TestNode.start(env)) {
      Api api = new Api(node.apiPort(), TestNode.TOKEN);
      api.post("/apps", "{\"name\":\"" + APP + "\"}").expect(201);
      Git git = Git.init(Files.createTempDirectory("bench-dynos").resolve(APP));
      git.write("Procfile", "web: exec python3 -m http.server $PORT\n").commit("tiny");
      Git.Result pushed = git.run("push", "-q", "http://h:" + TestNode.TOKEN + "@127.0.0.1:" + node.apiPort()
          + "/" + APP + ".git", "main");
      if (pushed.status() != 0) {
        throw new IllegalStateException(pushed.output());
      }
      ProcessDynoRuntime runtime = node.dynos().runtime();
      awaitUp(api, runtime, 1);
      start(suite, api, runtime);
      scaling(suite, api, runtime);
    }
  }

  private static void start(BenchSuite suite, Api api, ProcessDynoRuntime runtime) throws Exception {
    BenchSuite.say("dynos: one start, through Skiff and by hand");
    Table table = suite.table("dyno-start", "Start of one web dyno until it answers", "ms", false, "dyno", false)
        .ratio("Skiff (scale 0 → 1, as the API shows it)", "the same process in the same sandbox, by hand");
    Figure skiff = suite.measure(() -> {
      scale(api, 0);
      awaitUp(api, runtime, 0);
      long t0 = System.nanoTime();
      scale(api, 1);
      awaitUp(api, runtime, 1);
      return (System.nanoTime() - t0) / 1e6;
    });
    JsonNode app = api.get("/apps/" + APP).expect(200).body();
    JsonNode release = api.get("/apps/" + APP + "/releases/" + currentVersion(api)).expect(200).body();
    JsonNode slug = api.get("/apps/" + APP + "/slugs/" + release.path("slug").path("id").asText()).expect(200).body();
    Figure byHand = suite.measure(() -> {
      CompletableFuture<Long> up = new CompletableFuture<>();
      CompletableFuture<Void> exited = new CompletableFuture<>();
      String runId = UUID.randomUUID().toString();
      long t0 = System.nanoTime();
      runtime.start(new DynoRuntime.Launch(runId, app.path("id").asText(), APP, "web.99", slug.path("checksum").asText(),
          "exec python3 -m http.server $PORT", Map.of(), true, 512L << 20, 256, slug.path("stack").path("name").asText()),
          new DynoRuntime.Listener() {
            @Override
            public void up(String id) {
              up.complete(System.nanoTime());
            }

            @Override
            public void exited(DynoRuntime.Exit exit) {
              up.completeExceptionally(new IllegalStateException("exited " + exit.status() + ": " + exit.lastLines()));
              exited.complete(null);
            }

            @Override
            public void memory(String id, long bytes) {}
          });
      double millis = (up.get(60, TimeUnit.SECONDS) - t0) / 1e6;
      runtime.stop(runId, Duration.ofSeconds(2));
      exited.get(30, TimeUnit.SECONDS);
      return millis;
    });
    table.put("one web dyno (python3 -m http.server)", "Skiff (scale 0 → 1, as the API shows it)", skiff);
    table.put("one web dyno (python3 -m http.server)", "the same process in the same sandbox, by hand", byHand);
    table.note("Skiff's time includes the API call, placement, the journal writes (placed, starting, up) and the"
        + " router learning the dyno; the API is read every 10 ms.");
  }

  private static int currentVersion(Api api) {
    int latest = 0;
    for (JsonNode r : api.get("/apps/" + APP + "/releases").expect(200).body()) {
      if (r.path("current").asBoolean()) {
        latest = r.path("version").asInt();
      }
    }
    return latest;
  }

  private static void scaling(BenchSuite suite, Api api, ProcessDynoRuntime runtime) throws Exception {
    int[] counts = suite.quick ? new int[] {1, 10} : new int[] {1, 10, 20, 50, 100};
    int[] memoryAt = suite.quick ? new int[] {0, 10} : new int[] {0, 50, 100};
    Table time = suite.table("dyno-scale-up", "Scale-up from 0 until every dyno is up", "s", false, "dynos", true);
    Table heap = suite.table("platform-memory-by-dynos", "Platform memory by running dynos", "MB", false, "dynos",
        true);
    Map<Integer, List<Double>> times = new java.util.TreeMap<>();
    Map<Integer, List<Double>> heaps = new java.util.TreeMap<>();
    Map<Integer, List<Double>> rss = new java.util.TreeMap<>();
    for (int round = -1; round < suite.rounds; round++) {
      for (int count : counts) {
        scale(api, 0);
        awaitUp(api, runtime, 0);
        if (count == counts[0] && round >= 0 && memoryAt[0] == 0) {
          heaps.computeIfAbsent(0, c -> new ArrayList<>()).add(BenchSuite.liveHeapMb());
          rss.computeIfAbsent(0, c -> new ArrayList<>()).add(BenchSuite.rssMb());
        }
        BenchSuite.say("dynos: round " + (round + 1) + ", 0 → " + count);
        long t0 = System.nanoTime();
        scale(api, count);
        awaitUp(api, runtime, count);
        double seconds = (System.nanoTime() - t0) / 1e9;
        if (round < 0) {
          continue; // the warm-up round
        }
        times.computeIfAbsent(count, c -> new ArrayList<>()).add(seconds);
        if (java.util.Arrays.stream(memoryAt).anyMatch(m -> m == count) && count > 0) {
          heaps.computeIfAbsent(count, c -> new ArrayList<>()).add(BenchSuite.liveHeapMb());
          rss.computeIfAbsent(count, c -> new ArrayList<>()).add(BenchSuite.rssMb());
        }
      }
    }
    scale(api, 1);
    times.forEach((count, values) -> time.put(String.valueOf(count), "Skiff", new Figure(values)));
    heaps.forEach((count, values) -> heap.put(String.valueOf(count), "live heap after a full GC", new Figure(values)));
    rss.forEach((count, values) -> heap.put(String.valueOf(count), "RSS", new Figure(values)));
    int top = memoryAt[memoryAt.length - 1];
    double heapSlope = (new Figure(heaps.get(top)).median() - new Figure(heaps.get(0)).median()) / top * 1000;
    double rssSlope = (new Figure(rss.get(top)).median() - new Figure(rss.get(0)).median()) / top * 1000;
    heap.note(String.format(java.util.Locale.ROOT, "Per running dyno (the slope from 0 to %d dynos): %.0f KB of live"
        + " heap, %.0f KB of RSS. The platform is this benchmark's JVM (the node runs in it), so the level includes"
        + " the benchmark's own memory; the slope is the platform's.", top, heapSlope, rssSlope));
  }

  private static void scale(Api api, int quantity) {
    api.patch("/apps/" + APP + "/formation", "{\"updates\":[{\"type\":\"web\",\"quantity\":" + quantity + "}]}")
        .expect(200);
  }

  /**
   * Until exactly {@code count} web dynos are up and the node runs exactly {@code count} processes:
   * a scale down is over only when the processes it stops have exited, not when the API stops
   * listing them (measuring then would count the stopping ones, or find web.1 still up).
   */
  private static void awaitUp(Api api, ProcessDynoRuntime runtime, int count) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
    while (System.nanoTime() < deadline) {
      int up = 0;
      int other = 0;
      for (JsonNode d : api.get("/apps/" + APP + "/dynos").body()) {
        if (d.path("state").asText().equals("up")) {
          up++;
        } else {
          other++;
        }
      }
      if (up == count && other == 0 && runtime.running() == count) {
        return;
      }
      Thread.sleep(10);
    }
    throw new IllegalStateException("not " + count + " dynos up within 3 minutes");
  }
}
