package skiff.test;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import skiff.bench.RouterBench;

/**
 * What serving every app from every node costs, on three real node processes on one machine and
 * one PostgreSQL database:
 * <ul>
 *   <li>a new web dyno's {@code dyno.up} (its journal time) to the first answer from it through
 *   another node's router (requests sent back to back all along);</li>
 *   <li>router throughput and latency (wrk) to a dyno on the router's own node against the same
 *   dyno through another node's router (a hop);</li>
 *   <li>log line delay from a dyno on one node writing 10,000 lines a second to a tail opened
 *   through another node (p50, p99).</li>
 * </ul>
 *
 * <pre>mvn -q -B install -DskipTests && cd test && mvn -B -Pbench exec:java@cluster-bench</pre>
 */
public final class ClusterBench {
  static {
    // the requests name the app in their Host header, as curl -H does (set before the client loads)
    System.setProperty("jdk.httpclient.allowRestrictedHeaders", "host");
  }

  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final String APP = "bench";

  private ClusterBench() {}

  public static void main(String[] args) throws Exception {
    FailoverBench.useTestClasspath();
    RouterBench.ensureInstalled("wrk", "/usr/bin/wrk");
    int rounds = Integer.getInteger("bench.rounds", 5);
    try (TestCluster cluster = TestCluster.start(3, Map.of())) {
      Api api = cluster.api(1);
      RouterTest.deployNode(api, cluster.node(1).apiPort, Files.createTempDirectory("cluster-bench"), APP, 1);
      String home = node(api, "web.1");
      int homeIndex = Integer.parseInt(home.substring(1));
      int other = homeIndex % 3 + 1;

      List<Double> reach = new ArrayList<>();
      for (int round = 0; round < rounds; round++) {
        reach.add(upToFirstAnswer(cluster, api));
      }
      report("dyno.up on one node to its first answer through another node's router", reach, "ms");

      System.out.println("| router on | dyno on | -c | requests/s | p50 | p99 |");
      System.out.println("|---|---|---|---|---|---|");
      for (int connections : List.of(16, 128)) {
        List<RouterBench.Result> local = new ArrayList<>();
        List<RouterBench.Result> hop = new ArrayList<>();
        for (int round = 0; round < 3; round++) {
          local.add(RouterBench.wrk("http://127.0.0.1:" + cluster.node(homeIndex).routerPort + "/",
              APP + ".localhost", connections));
          hop.add(RouterBench.wrk("http://127.0.0.1:" + cluster.node(other).routerPort + "/", APP + ".localhost",
              connections));
        }
        row("n" + homeIndex, home, connections, RouterBench.median(local));
        row("n" + other, home, connections, RouterBench.median(hop));
      }

      logDelay(cluster, other);
    }
  }

  /** Which node runs {@code dyno}. */
  private static String node(Api api, String dyno) {
    return DynoTest.dyno(api, APP, dyno).path("node").asText();
  }

  /**
   * Scales web 1 → 2 and sends requests through a router of a node web.2 is not on until web.2
   * answers; the delay from its {@code dyno.up} to that answer, in ms. Scales back to 1.
   */
  private static double upToFirstAnswer(TestCluster cluster, Api api) throws Exception {
    api.patch("/apps/" + APP + "/formation", "{\"updates\":[{\"type\":\"web\",\"quantity\":2}]}").expect(200);
    JsonNode placed = DynoTest.awaitDyno(api, APP, "web.2", d -> !d.path("node").asText().isEmpty()
        && !d.path("node").isNull(), Duration.ofSeconds(30));
    int elsewhere = Integer.parseInt(placed.path("node").asText().substring(1)) % 3 + 1;
    HttpRequest look = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + cluster.node(elsewhere).routerPort
        + "/")).header("Host", APP + ".localhost").timeout(Duration.ofSeconds(90)).build();
    Instant answered = null;
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (answered == null && System.nanoTime() < deadline) {
      HttpResponse<String> r = HTTP.send(look, HttpResponse.BodyHandlers.ofString());
      if (r.body().equals("web.2")) {
        answered = Instant.now();
      }
    }
    if (answered == null) {
      throw new AssertionError("web.2 never answered through n" + elsewhere);
    }
    Instant up = null;
    for (JsonNode e : api.get("/apps/" + APP + "/events?type=dyno.up&dyno=web.2").expect(200).body()) {
      up = Instant.parse(e.path("at").asText());
    }
    double ms = Duration.between(up, answered).toNanos() / 1e6;
    System.out.printf("  web.2 on %s up -> answered through n%d after %.1f ms%n", placed.path("node").asText(),
        elsewhere, ms);
    api.patch("/apps/" + APP + "/formation", "{\"updates\":[{\"type\":\"web\",\"quantity\":1}]}").expect(200);
    long gone = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (DynoTest.dynos(api, APP).size() > 1 && System.nanoTime() < gone) {
      Thread.sleep(200);
    }
    return ms;
  }

  /**
   * web.1 writes 10,000 lines a second for 5 s; a tail through {@code through} (another node)
   * reads them; each line's delay is the tail's clock at arrival minus the time the dyno wrote into
   * it (one machine, one clock).
   */
  private static void logDelay(TestCluster cluster, int through) throws Exception {
    Api api = cluster.api(through);
    URI session = URI.create(api.post("/apps/" + APP + "/log-sessions", "{\"tail\":true,\"lines\":1}").expect(201)
        .body().path("logplex_url").asText());
    HttpResponse<Stream<String>> stream = HTTP.send(HttpRequest.newBuilder(session).build(),
        HttpResponse.BodyHandlers.ofLines());
    List<Double> delays = Collections.synchronizedList(new ArrayList<>());
    Thread reader = new Thread(() -> {
      try {
        stream.body().forEach(line -> {
          int at = line.indexOf(": emit ");
          if (line.startsWith("data: ") && at > 0) {
            String[] parts = line.substring(at + 7).split(" ");
            Instant t = Instant.now();
            double now = t.getEpochSecond() * 1000.0 + t.getNano() / 1e6;
            delays.add(now - Double.parseDouble(parts[0]));
          }
        });
      } catch (java.io.UncheckedIOException closed) {
        // the bench closed the stream
      }
    }, "bench-tail");
    reader.setDaemon(true);
    reader.start();
    Thread.sleep(500);
    int seconds = 5;
    HttpResponse<String> emitted = RouterTest.through(cluster.node(through).routerPort, APP,
        "/emit?rate=10000&ms=" + seconds * 1000, Map.of());
    Thread.sleep(2000);
    stream.body().close();
    List<Double> sorted;
    synchronized (delays) {
      sorted = delays.stream().sorted().toList();
    }
    System.out.printf("log lines: %s, %d reached the tail through n%d; delay p50 %.1f ms, p99 %.1f ms, max %.1f ms%n",
        emitted.body(), sorted.size(), through, sorted.get(sorted.size() / 2), sorted.get(sorted.size() * 99 / 100),
        sorted.get(sorted.size() - 1));
  }

  private static void report(String what, List<Double> values, String unit) {
    List<Double> sorted = values.stream().sorted().toList();
    System.out.printf("%s: median %.1f %s (%.1f-%.1f, %d rounds)%n", what, sorted.get(sorted.size() / 2), unit,
        sorted.get(0), sorted.get(sorted.size() - 1), sorted.size());
  }

  private static void row(String router, String dyno, int connections, RouterBench.Result r) {
    System.out.printf("| %s | %s | %d | %.0f | %s | %s |%n", router, dyno, connections, r.rps(), r.p50(), r.p99());
  }
}
