package skiff.bench;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import skiff.platform.node.SkiffNode;
import skiff.test.TestNode;

/**
 * The API's writes (PATCH config-vars: each persists the change, issues a release and records it
 * in the release's entity) per second as clients grow (1, 16, 64, over 100 apps); and the
 * platform's live heap with 0, 100 and 1,000 apps whose entities are in memory.
 */
final class ApiPart implements BenchSuite.Runner {
  @Override
  public void run(BenchSuite suite) throws Exception {
    Table writes = suite.table("api-writes", "API writes (config changes, each a release) over 100 apps", "changes/s",
        true, "clients", true);
    Table memory = suite.table("platform-memory-by-apps", "Platform live heap by apps in memory", "MB", false, "apps",
        true);
    int[] levels = suite.quick ? new int[] {0, 100} : new int[] {0, 100, 1000};
    List<List<Double>> heaps = new ArrayList<>();
    try (SkiffNode node = TestNode.start(Files.createTempDirectory("bench-api"))) {
      String base = "http://127.0.0.1:" + node.apiPort();
      heaps.add(heap(suite));
      int made = 0;
      for (int level = 1; level < levels.length; level++) {
        BenchSuite.say("api: " + levels[level] + " apps");
        made = create(base, made, levels[level]);
        // every app's entity in memory: each has been written to (its app and release entities)
        change(base, apps(levels[level]), levels[level], 16);
        heaps.add(heap(suite));
        if (levels[level] == 100) {
          for (int clients : new int[] {1, 16, 64}) {
            BenchSuite.say("api: writes with " + clients + " clients");
            int total = (clients == 1 ? 200 : 800) / (suite.quick ? 2 : 1);
            writes.put(String.valueOf(clients), "Skiff", suite.measure(() -> change(base, apps(100), total, clients)));
          }
        }
      }
    }
    for (int i = 0; i < levels.length; i++) {
      memory.put(String.valueOf(levels[i]), "live heap after a full GC", new Figure(heaps.get(i)));
    }
    int top = levels[levels.length - 1];
    double slope = (new Figure(heaps.get(levels.length - 1)).median() - new Figure(heaps.get(0)).median()) / top * 1000;
    memory.note(String.format(java.util.Locale.ROOT, "Per app (the slope from 0 to %d apps, each written to, so its"
        + " app entity and its latest release's entity are in memory): %.1f KB of live heap.", top, slope));
    writes.note("Each change is a PATCH over HTTP that persists ConfigVarsChanged and ReleaseIssued (embedded H2"
        + " journal) and records the release in its own entity before it answers.");
  }

  private static List<Double> heap(BenchSuite suite) throws InterruptedException {
    List<Double> values = new ArrayList<>();
    for (int i = 0; i < suite.rounds; i++) {
      values.add(BenchSuite.liveHeapMb());
    }
    return values;
  }

  private static List<String> apps(int count) {
    List<String> names = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      names.add("bench-" + i);
    }
    return names;
  }

  private static int create(String base, int from, int to) {
    Semaphore slots = new Semaphore(16);
    List<CompletableFuture<Integer>> all = new ArrayList<>();
    for (int i = from; i < to; i++) {
      slots.acquireUninterruptibly();
      CompletableFuture<Integer> f = ApiWriteBench.send(base, "POST", "/apps", "{\"name\":\"bench-" + i + "\"}");
      f.whenComplete((s, e) -> slots.release());
      all.add(f);
    }
    all.forEach(f -> {
      if (f.join() != 201) {
        throw new IllegalStateException("an app was not created: HTTP " + f.join());
      }
    });
    return to;
  }

  /** Changes per second: {@code total} config changes spread over {@code apps}, {@code clients} at a time. */
  private static double change(String base, List<String> apps, int total, int clients) {
    Semaphore slots = new Semaphore(clients);
    List<CompletableFuture<Integer>> all = new ArrayList<>();
    long start = System.nanoTime();
    for (int i = 0; i < total; i++) {
      slots.acquireUninterruptibly();
      CompletableFuture<Integer> f = ApiWriteBench.send(base, "PATCH", "/apps/" + apps.get(i % apps.size())
          + "/config-vars", "{\"N\":\"" + i + "\"}");
      f.whenComplete((s, e) -> slots.release());
      all.add(f);
    }
    CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).join();
    double seconds = (System.nanoTime() - start) / 1e9;
    long failed = all.stream().filter(f -> f.join() != 200).count();
    if (failed > 0) {
      throw new IllegalStateException(failed + " of " + total + " changes failed");
    }
    return total / seconds;
  }
}
