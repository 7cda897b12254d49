package skiff.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import skiff.platform.node.SkiffNode;
import skiff.test.TestNode;

/**
 * API write throughput: config changes per second, each a PATCH over HTTP that persists the change,
 * issues a release, records it in its own entity and answers. Not a test; run with
 * {@code mvn -Pbench -pl test -am verify} (or this class's main).
 */
public final class ApiWriteBench {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  public static void main(String[] args) throws Exception {
    int perApp = Integer.parseInt(System.getProperty("bench.changes", "2000"));
    if (Integer.getInteger("bench.nodes", 1) == 3) {
      cluster(perApp);
      return;
    }
    try (SkiffNode node = TestNode.start(Files.createTempDirectory("skiff-bench"))) {
      String base = "http://127.0.0.1:" + node.apiPort();
      for (int i = 0; i < 100; i++) {
        send(base, "POST", "/apps", "{\"name\":\"bench-" + i + "\"}").join();
      }
      run(List.of(base), "warm-up", List.of("bench-0"), 300, 1);
      System.out.println("== Skiff API write benchmark (config changes persisted, each a release) ==");
      run(List.of(base), "1 app, 1 client (sequential)", List.of("bench-1"), perApp, 1);
      run(List.of(base), "1 app, 16 clients", List.of("bench-2"), perApp, 16);
      run(List.of(base), "100 apps, 64 clients", hundred(), perApp * 2, 64);
    }
  }

  private static List<String> hundred() {
    List<String> hundred = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      hundred.add("bench-" + i);
    }
    return hundred;
  }

  /**
   * The same writes on one PostgreSQL journal, first through one node alone, then through three
   * nodes of one cluster (in this JVM), each client request going to the next node's API in turn,
   * so most reach an app whose entity lives on another node.
   */
  private static void cluster(int perApp) throws Exception {
    String key = java.util.Base64.getEncoder().encodeToString(new byte[32]);
    System.out.println("== Skiff API write benchmark on PostgreSQL: 1 node, then 3 nodes ==");
    for (int count : new int[] {1, 3}) {
      String database = skiff.test.TestDatabases.create();
      List<SkiffNode> nodes = new ArrayList<>();
      try {
        int seed = TestNode.freePort();
        List<String> bases = new ArrayList<>();
        for (int i = 0; i < count; i++) {
          java.util.Map<String, String> env = TestNode.clusterEnv(database, key, "bench-" + (i + 1),
              i == 0 ? seed : TestNode.freePort());
          env.put("SKIFF_SEED_NODES", "127.0.0.1:" + seed);
          SkiffNode node = TestNode.start(env);
          nodes.add(node);
          bases.add("http://127.0.0.1:" + node.apiPort());
        }
        Thread.sleep(5000); // the nodes settle their shards before the clock starts
        for (int i = 0; i < 100; i++) {
          send(bases.get(i % count), "POST", "/apps", "{\"name\":\"bench-" + i + "\"}").join();
        }
        run(bases, "warm-up", hundred(), 500, 16);
        run(bases, count + " node" + (count == 1 ? "" : "s") + ", 100 apps, 64 clients", hundred(), perApp * 2, 64);
      } finally {
        for (SkiffNode node : nodes) {
          node.close();
        }
        skiff.test.TestDatabases.drop(database);
      }
    }
  }


  private static void run(List<String> bases, String label, List<String> apps, int total, int concurrency) {
    Semaphore slots = new Semaphore(concurrency);
    List<CompletableFuture<Integer>> all = new ArrayList<>();
    long start = System.nanoTime();
    for (int i = 0; i < total; i++) {
      slots.acquireUninterruptibly();
      String app = apps.get(i % apps.size());
      CompletableFuture<Integer> f = send(bases.get(i % bases.size()), "PATCH", "/apps/" + app + "/config-vars",
          "{\"N\":\"" + i + "\"}");
      f.whenComplete((s, e) -> slots.release());
      all.add(f);
    }
    CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).join();
    double seconds = (System.nanoTime() - start) / 1e9;
    long failed = all.stream().filter(f -> f.join() != 200).count();
    if (!label.equals("warm-up")) {
      System.out.printf("%-30s %6d changes in %6.2f s = %7.0f changes/s (%d failed)%n", label, total, seconds,
          total / seconds, failed);
    }
  }

  static CompletableFuture<Integer> send(String base, String method, String path, String json) {
    HttpRequest request = HttpRequest.newBuilder(URI.create(base + path))
        .header("Authorization", "Bearer " + TestNode.TOKEN)
        .header("Content-Type", "application/json")
        .method(method, HttpRequest.BodyPublishers.ofString(json)).build();
    return HTTP.sendAsync(request, HttpResponse.BodyHandlers.discarding()).thenApply(HttpResponse::statusCode);
  }
}
