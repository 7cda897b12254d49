package skiff.test;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Node loss to every one of its dynos up elsewhere, on a cluster of three real node processes on
 * one PostgreSQL database (the same machine): web=6 worker=3 spread over the nodes; each round
 * kills (-9) the JVM and processes of the node other than the first that runs the most dynos, times
 * until every dyno is up on the nodes left (as the API shows it, looked at every 100 ms, and as the
 * journal's {@code dyno.up} events date it), then starts that node again (empty) for the next
 * round. Prints each round and the medians. First, push-to-release of a Procfile-only app through each node
 * in turn (the app's entity lives on one of them, so two in three pushes go through a node that
 * does not host it).
 *
 * <pre>mvn -q -B install -DskipTests && cd test && mvn -B -Pbench exec:java@failover-bench -Dbench.rounds=5</pre>
 */
public final class FailoverBench {
  private FailoverBench() {}

  public static void main(String[] args) throws Exception {
    Rounds r = measure(Integer.getInteger("bench.rounds", 5), Integer.getInteger("bench.pushes", 5));
    report("node loss to its dynos up elsewhere, as the API showed it", r.seen());
    report("node loss to its dynos up elsewhere, by the journal's dyno.up", r.journaled());
  }

  /** Seconds from each round's kill to every dyno up on the nodes left: as the API showed it, and by the journal. */
  public record Rounds(List<Double> seen, List<Double> journaled) {}

  /** Starts the three nodes, pushes {@code pushes} times through each, then measures {@code rounds} node losses. */
  public static Rounds measure(int rounds, int pushes) throws Exception {
    useTestClasspath();
    try (TestCluster cluster = TestCluster.start(3, Map.of())) {
      List<ServerProcess> nodes = cluster.nodes;
      Api api = cluster.api(1);
      if (pushes > 0) {
        pushes(api, nodes, pushes);
      }
      String app = "failover";
      DynoTest.deploy(api, nodes.get(0).apiPort, Files.createTempDirectory("failover-bench"), app);
      api.patch("/apps/" + app + "/formation", "{\"updates\":[{\"type\":\"web\",\"quantity\":6},"
          + "{\"type\":\"worker\",\"quantity\":3}]}").expect(200);
      String base = "http://127.0.0.1:" + nodes.get(0).apiPort;
      awaitUp(base, app, null, 120);
      List<Double> seen = new ArrayList<>();
      List<Double> journaled = new ArrayList<>();
      for (int round = 1; round <= rounds; round++) {
        Map<String, Integer> byNode = DynoTest.upByNode(api.get("/apps/" + app + "/dynos").expect(200).body());
        int victim = byNode.getOrDefault("n2", 0) >= byNode.getOrDefault("n3", 0) ? 1 : 2;
        String name = "n" + (victim + 1);
        ServerProcess lost = nodes.get(victim);
        Instant killedAt = Instant.now();
        long killed = System.nanoTime();
        lost.killWithDynos();
        awaitUp(base, app, name, 120);
        double s = (System.nanoTime() - killed) / 1e9;
        // the journal says when each dyno was up again: the last of them, to the millisecond
        double j = lastUpSince(api, app, killedAt);
        seen.add(s);
        journaled.add(j);
        System.out.printf("round %d: %s (%d dynos) lost -> all 9 dynos up on the others in %.1f s (journal: last"
            + " dyno.up %.1f s after the kill)%n", round, name, byNode.getOrDefault(name, 0), s, j);
        nodes.set(victim, ServerProcess.start(cluster.envs.get(victim)));
        awaitNodesUp(api, 3);
      }
      return new Rounds(seen, journaled);
    }
  }

  /** Run by exec:java, the test classpath is this class loader's, not the JVM's: the nodes it starts get it. */
  static void useTestClasspath() throws Exception {
    if (Thread.currentThread().getContextClassLoader() instanceof java.net.URLClassLoader loader) {
      StringBuilder classpath = new StringBuilder();
      for (java.net.URL url : loader.getURLs()) {
        classpath.append(classpath.length() == 0 ? "" : java.io.File.pathSeparator)
            .append(java.nio.file.Path.of(url.toURI()));
      }
      System.setProperty("java.class.path", classpath.toString());
    }
  }

  private static void report(String what, List<Double> seconds) {
    List<Double> sorted = seconds.stream().sorted().toList();
    System.out.printf("%s: median %.1f s, min %.1f s, max %.1f s (%d rounds)%n", what,
        sorted.get(sorted.size() / 2), sorted.get(0), sorted.get(sorted.size() - 1), sorted.size());
  }

  /** Seconds from {@code since} to the last {@code dyno.up} of the app after it. */
  private static double lastUpSince(Api api, String app, Instant since) {
    Instant last = since;
    for (JsonNode e : api.get("/apps/" + app + "/events?type=dyno.up&since=" + since).expect(200).body()) {
      Instant at = Instant.parse(e.path("at").asText());
      last = at.isAfter(last) ? at : last;
    }
    return Duration.between(since, last).toMillis() / 1000.0;
  }

  /**
   * Push-to-release of a Procfile-only app through each node in turn: the app's entity lives on one
   * of them, so at least two of the three are pushes through a node that does not host it, and
   * each push first brings that node's copy of the repository up to the one the last push stored.
   */
  private static void pushes(Api api, List<ServerProcess> nodes, int rounds) throws Exception {
    api.post("/apps", "{\"name\":\"tiny\"}").expect(201);
    Git tiny = Git.init(Files.createTempDirectory("failover-bench-push"));
    double[][] times = new double[nodes.size()][rounds];
    // push k goes through node k mod 3: every push follows one through another node
    for (int k = 0; k < rounds * nodes.size(); k++) {
      int n = k % nodes.size();
      tiny.write("Procfile", "web: ./server " + k + "\n").commit("change " + k);
      long start = System.nanoTime();
      Git.Result pushed = tiny.pushTo(nodes.get(n).apiPort, "tiny");
      times[n][k / nodes.size()] = (System.nanoTime() - start) / 1e9;
      if (pushed.status() != 0) {
        throw new AssertionError(pushed.output());
      }
    }
    for (int n = 0; n < nodes.size(); n++) {
      java.util.Arrays.sort(times[n]);
      System.out.printf("push-to-release through n%d (the push before went through another node): median %.2f s"
          + " (%.2f-%.2f s, %d pushes)%n", n + 1, times[n][rounds / 2], times[n][0], times[n][rounds - 1], rounds);
    }
  }

  /**
   * Until all nine dynos are up, none on {@code lost}. Each look gives up after a second: one asked
   * while the lost node's shards are not yet elsewhere would wait the API's whole ask timeout and
   * report the recovery up to 15 s late.
   */
  private static void awaitUp(String base, String app, String lost, int seconds) throws Exception {
    java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
    java.net.http.HttpRequest look = java.net.http.HttpRequest.newBuilder(java.net.URI.create(base + "/apps/"
            + app + "/dynos")).timeout(java.time.Duration.ofSeconds(1))
        .header("Authorization", "Bearer " + TestNode.TOKEN)
        .header("Accept", "application/vnd.heroku+json; version=3").build();
    long deadline = System.nanoTime() + seconds * 1_000_000_000L;
    while (System.nanoTime() < deadline) {
      try {
        var answer = http.send(look, java.net.http.HttpResponse.BodyHandlers.ofString());
        if (answer.statusCode() == 200) {
          Map<String, Integer> up = DynoTest.upByNode(Api.JSON.readTree(answer.body()));
          if (up.values().stream().mapToInt(Integer::intValue).sum() == 9 && (lost == null || !up.containsKey(lost))) {
            return;
          }
        }
      } catch (java.net.http.HttpTimeoutException notYet) {
        // the lost node's entities are not yet elsewhere
      }
      Thread.sleep(100);
    }
    throw new AssertionError("dynos not all up within " + seconds + " s");
  }

  private static void awaitNodesUp(Api api, int count) throws InterruptedException {
    long deadline = System.nanoTime() + 120_000_000_000L;
    while (System.nanoTime() < deadline) {
      JsonNode all = api.get("/nodes").expect(200).body();
      long up = 0;
      for (JsonNode n : all) {
        up += n.path("state").asText().equals("up") ? 1 : 0;
      }
      if (up == count) {
        return;
      }
      Thread.sleep(250);
    }
    throw new AssertionError("not " + count + " nodes up");
  }

}
