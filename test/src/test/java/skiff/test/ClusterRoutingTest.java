package skiff.test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three real node processes: an app whose web dynos run on nodes 2 and 3 only is served through
 * every node's router, each dyno seen in the answers; its log is one, whatever node a line comes
 * from (a tail through node 3 sees them all, a drain gets each once); a dyno's move off a drained
 * node, under steady load through another node's router, loses no request.
 */
@Tag("cluster")
class ClusterRoutingTest {
  private static final String APP = "everywhere";
  private static final Pattern SAID = Pattern.compile("said (via-n\\d-\\d+)\\.");

  @TempDir
  Path work;

  @Test
  void everyNodesRouterServesEveryDynoAndADrainLosesNoRequest() throws Exception {
    try (TestCluster cluster = TestCluster.start(3, Map.of("SKIFF_SIGTERM_GRACE", "5s"))) {
      Api n1 = cluster.api(1);
      // node 1 takes no dynos: the app's run on nodes 2 and 3 alone
      n1.post("/nodes/n1/actions/drain", "{}").expect(202);
      RouterTest.deployNode(n1, cluster.node(1).apiPort, work, APP, 4);
      JsonNode dynos = ClusterFailoverTest.await(() -> DynoTest.dynos(n1, APP),
          all -> ClusterFailoverTest.upOn(all, 4) != null, Duration.ofSeconds(60));
      assertEquals(Map.of("n2", 2, "n3", 2), ClusterFailoverTest.upOn(dynos, 4), dynos.toString());

      for (int n = 1; n <= 3; n++) {
        Map<String, Integer> answeredBy = new TreeMap<>();
        for (int i = 0; i < 200; i++) {
          HttpResponse<String> r = RouterTest.through(cluster.node(n).routerPort, APP, "/", Map.of());
          assertEquals(200, r.statusCode(), "through n" + n + ": " + r.body());
          answeredBy.merge(r.body(), 1, Integer::sum);
        }
        assertEquals(Set.of("web.1", "web.2", "web.3", "web.4"), answeredBy.keySet(),
            "every web dyno answers through n" + n + "'s router: " + answeredBy);
      }

      oneLogForTheApp(cluster);
      everyNodesEventsFollowedOnAnother(cluster);
      oneOffsFromAnyNode(cluster);
      releasePhaseAndBuildOutputThroughAnyNode(cluster);

      // node 3 drains while node 1's router carries steady load: its dynos move to node 2, with a
      // preboot, and not one request fails
      String outcome;
      try (SteadyLoad load = new SteadyLoad(cluster.node(1).routerPort, APP)) {
        Thread.sleep(1000);
        n1.post("/nodes/n3/actions/drain", "{}").expect(202);
        ClusterFailoverTest.await(() -> DynoTest.dynos(n1, APP), all -> {
          Map<String, Integer> on = ClusterFailoverTest.upOn(all, 4);
          return on != null && on.equals(Map.of("n2", 4));
        }, Duration.ofSeconds(90));
        // the processes left behind are drained and get SIGTERM while the load goes on
        Thread.sleep(3000);
        load.close();
        outcome = load.outcome();
        assertTrue(load.ok.get() > 100, "the load ran: " + outcome);
      }
      System.out.println("drain of n3 under load through n1: " + outcome);
      assertTrue(outcome.startsWith("0 failed"), outcome);
      Set<String> nodesNow = new TreeSet<>();
      DynoTest.dynos(n1, APP).forEach(d -> {
        if (!d.path("type").asText().equals("run")) { // a one-off stays where it runs
          nodesNow.add(d.path("node").asText());
        }
      });
      assertEquals(Set.of("n2"), nodesNow);
    }
  }

  /**
   * Lines written on every node (the dynos' output on nodes 2 and 3, every router's lines) reach a
   * tail opened through node 3, and a syslog drain gets each of them exactly once.
   */
  private static void oneLogForTheApp(TestCluster cluster) throws Exception {
    try (ServerSocket syslog = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      StringBuffer drained = new StringBuffer();
      Thread drain = new Thread(() -> {
        while (!syslog.isClosed()) {
          try (Socket s = syslog.accept(); InputStream in = s.getInputStream()) {
            byte[] buffer = new byte[65536];
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
              drained.append(new String(buffer, 0, n, StandardCharsets.UTF_8));
            }
          } catch (IOException closed) {
            // the next connection, or the end of the test
          }
        }
      }, "syslog-drain");
      drain.setDaemon(true);
      drain.start();
      cluster.api(2).post("/apps/" + APP + "/log-drains", "{\"url\":\"syslog://127.0.0.1:" + syslog.getLocalPort()
          + "\"}").expect(201);
      URI session = URI.create(cluster.api(3).post("/apps/" + APP + "/log-sessions", "{\"tail\":true}")
          .expect(201).body().path("logplex_url").asText());
      assertEquals(cluster.node(3).apiPort, session.getPort(), "the session is node 3's");
      Queue<String> tail = new ConcurrentLinkedQueue<>();
      HttpResponse<java.util.stream.Stream<String>> stream = HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(session).build(), HttpResponse.BodyHandlers.ofLines());
      Thread reader = new Thread(() -> stream.body().forEach(tail::add), "tail-n3");
      reader.setDaemon(true);
      reader.start();
      Thread.sleep(500);

      Set<String> said = new TreeSet<>();
      for (int n = 1; n <= 3; n++) {
        for (int i = 0; i < 20; i++) {
          String m = "via-n" + n + "-" + i;
          said.add(m);
          assertEquals(200, RouterTest.through(cluster.node(n).routerPort, APP, "/say?m=" + m + ".", Map.of()).statusCode());
        }
      }
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (!(said.equals(counts(String.join("\n", tail)).keySet()) && routerLines(tail) >= 60
          && said.equals(counts(drained.toString()).keySet()))) {
        assertTrue(System.nanoTime() < deadline, "within 30 s: tailed " + counts(String.join("\n", tail)).keySet()
            + ", " + routerLines(tail) + " router lines; drained " + counts(drained.toString()).keySet()
            + "\ntail:\n" + String.join("\n", tail));
        Thread.sleep(250);
      }
      Set<String> dynos = new TreeSet<>();
      tail.stream().filter(l -> l.contains("said via-n")).forEach(l -> dynos.add(l.replaceAll(".* app\\[(web\\.\\d)\\]: .*",
          "$1")));
      assertEquals(Set.of("web.1", "web.2", "web.3", "web.4"), dynos, "the output of dynos on nodes 2 and 3");
      Thread.sleep(2000); // time for a second copy to arrive, if one were sent
      Map<String, Integer> delivered = counts(drained.toString());
      assertEquals(said, delivered.keySet());
      delivered.forEach((m, times) -> assertEquals(1, times, m + " drained " + times + " times: " + delivered));
      counts(String.join("\n", tail)).forEach((m, times) -> assertEquals(1, times, m + " tailed " + times + " times"));
      reader.interrupt();
    }
  }

  /**
   * Config changes to six apps (their entities spread over the nodes) sent through nodes 1 and 2 at
   * once: a follower of the events on node 3 gets every one, once, though two nodes wrote them at
   * the same time (the read journal reads the event table's ordering only as far as it has no gap,
   * waiting for a transaction that took an ordering and has not committed yet).
   */
  private static void everyNodesEventsFollowedOnAnother(TestCluster cluster) throws Exception {
    List<String> apps = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      apps.add("busy-" + i);
      cluster.api(1 + i % 3).post("/apps", "{\"name\":\"busy-" + i + "\"}").expect(201);
    }
    int changes = 10;
    try (EventStream follower = EventStream.open(cluster.node(3).apiPort, "/events?type=ConfigVarsChanged", null)) {
      List<Thread> writers = new ArrayList<>();
      Queue<String> failures = new ConcurrentLinkedQueue<>();
      for (int w = 0; w < 2; w++) {
        Api api = cluster.api(w + 1);
        List<String> mine = apps.subList(w * 3, w * 3 + 3);
        Thread t = new Thread(() -> {
          for (int c = 0; c < changes; c++) {
            for (String app : mine) {
              try {
                api.patch("/apps/" + app + "/config-vars", "{\"N\":\"" + c + "\"}").expect(200);
              } catch (AssertionError e) {
                failures.add(app + ": " + e.getMessage());
              }
            }
          }
        }, "writer-n" + (w + 1));
        writers.add(t);
        t.start();
      }
      for (Thread t : writers) {
        t.join(60_000);
      }
      assertTrue(failures.isEmpty(), failures.toString());
      Set<String> seen = new TreeSet<>();
      Map<String, Integer> byApp = new TreeMap<>();
      for (int i = 0; i < apps.size() * changes; i++) {
        JsonNode e = follower.next(Duration.ofSeconds(30)).data();
        assertTrue(seen.add(e.path("id").asText()), "event " + e.path("id") + " twice");
        byApp.merge(e.path("app_id").asText(), 1, Integer::sum);
      }
      assertEquals(apps.size(), byApp.size(), byApp.toString());
      byApp.forEach((app, n) -> assertEquals(changes, n, app + " in " + byApp));
      assertTrue(follower.poll(Duration.ofSeconds(2)) == null, "nothing more, and nothing twice");
    }
  }

  /**
   * {@code skiff run} through node 2, attached, for an app whose dynos run elsewhere: its output and
   * exit status come back; a detached run through node 3 is listed alike by every node's {@code ps},
   * with the node it runs on; run numbers are the app's, whatever node a run is asked through.
   */
  private void oneOffsFromAnyNode(TestCluster cluster) throws Exception {
    SkiffRun three = SkiffRun.process(Map.of("SKIFF_HOST", "http://127.0.0.1:" + cluster.node(2).apiPort,
        "SKIFF_API_KEY", TestNode.TOKEN, "SKIFF_CA_FILE", Path.of(cluster.envs.get(1).get("SKIFF_HOME"), "tls",
        "ca.pem").toString(), "HOME", work.toString()), "",
        "run", "-a", APP, "--", "sh", "-c", "echo on $DYNO; exit 3");
    assertEquals(3, three.status(), three.all());
    assertTrue(three.out().matches("(?s).*on run\\.\\d+.*"), three.all());
    int attachedNumber = Integer.parseInt(three.out().replaceAll("(?s).*on run\\.(\\d+).*", "$1"));

    JsonNode detached = cluster.api(3).post("/apps/" + APP + "/dynos", "{\"command\":\"sleep 600\"}").expect(201)
        .body();
    String name = detached.path("name").asText();
    assertEquals("run." + (attachedNumber + 1), name, "numbered after the run through node 2");
    String node = detached.path("node").asText();
    assertTrue(Set.of("n2", "n3").contains(node), "node 1 is drained: " + detached);
    for (int n = 1; n <= 3; n++) {
      Api api = cluster.api(n);
      JsonNode listed = ClusterFailoverTest.await(() -> DynoTest.dynos(api, APP), all -> {
        for (JsonNode d : all) {
          if (d.path("name").asText().equals(name) && d.path("state").asText().equals("up")) {
            return true;
          }
        }
        return false;
      }, Duration.ofSeconds(20));
      for (JsonNode d : listed) {
        if (d.path("name").asText().equals(name)) {
          assertEquals("run", d.path("type").asText());
          assertEquals(node, d.path("node").asText(), "ps on n" + n + ": " + d);
          assertEquals("sleep 600", d.path("command").asText());
        }
      }
    }
  }

  /**
   * A push through node 2 of an app with a release command: the command runs as {@code release.N}
   * (a one-off of the app's one-off entity, listed alike by every node's ps with the node that runs
   * it); meanwhile the build, which waits for it, streams its output live through node 3; then the
   * release goes live and the command's output is in the app's one log.
   */
  private void releasePhaseAndBuildOutputThroughAnyNode(TestCluster cluster) throws Exception {
    String app = "phased";
    Api n3 = cluster.api(3);
    cluster.api(2).post("/apps", "{\"name\":\"" + app + "\"}").expect(201);
    Git git = Git.init(work.resolve(app));
    git.write("package.json", RouterApp.PACKAGE).write("server.js", RouterApp.SERVER)
        .write("Procfile", "web: node server.js\nrelease: echo migrating on $DYNO; sleep 6; echo migrated\n")
        .commit("with a release command");
    java.util.concurrent.CompletableFuture<Git.Result> push = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
      try {
        return git.pushTo(cluster.node(2).apiPort, app);
      } catch (Exception e) {
        throw new java.util.concurrent.CompletionException(e);
      }
    });
    Set<String> listings = new TreeSet<>();
    for (int n = 1; n <= 3; n++) {
      Api api = cluster.api(n);
      JsonNode all = ClusterFailoverTest.await(() -> DynoTest.dynos(api, app), dynos -> {
        for (JsonNode d : dynos) {
          if (d.path("type").asText().equals("release")) {
            return true;
          }
        }
        return false;
      }, Duration.ofSeconds(120));
      for (JsonNode d : all) {
        if (d.path("type").asText().equals("release")) {
          listings.add(d.path("name").asText() + " on " + d.path("node").asText() + " running `"
              + d.path("command").asText() + "`");
        }
      }
    }
    assertEquals(1, listings.size(), "every node lists the one release dyno alike: " + listings);
    String listing = listings.iterator().next();
    assertTrue(listing.matches("release\\.\\d+ on n[23] running `echo migrating.*"), listing);
    String releaseDyno = listing.substring(0, listing.indexOf(' '));

    // the push waits for the release command, its build's output with it (the build itself has
    // made its slug): that output, followed through node 3, comes as written
    JsonNode builds = n3.get("/apps/" + app + "/builds").expect(200).body();
    assertEquals(1, builds.size(), builds.toString());
    URI output = URI.create(builds.get(0).path("output_stream_url").asText());
    assertEquals(cluster.node(3).apiPort, output.getPort(), output.toString());
    List<String> lines = new ArrayList<>();
    long[] at = new long[2];
    HttpResponse<java.util.stream.Stream<String>> stream = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(output).timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofLines());
    assertEquals(200, stream.statusCode());
    stream.body().forEach(line -> {
      lines.add(line);
      if (line.contains("Running release command")) {
        at[0] = System.nanoTime();
      } else if (line.contains("Released v2")) {
        at[1] = System.nanoTime();
      }
    });
    assertTrue(at[0] != 0 && at[1] != 0, "the whole output through node 3: " + lines);
    assertTrue(at[1] - at[0] > 2_000_000_000L, "streamed as the build wrote it, not at its end: " + lines);
    Git.Result pushed = push.get(60, java.util.concurrent.TimeUnit.SECONDS);
    assertEquals(0, pushed.status(), pushed.output());

    JsonNode v2 = cluster.api(1).get("/apps/" + app + "/releases/2").expect(200).body();
    assertEquals("succeeded", v2.path("status").asText(), v2.toString());
    assertTrue(v2.path("current").asBoolean(), v2.toString());
    // a log session made through node 1 is served by node 2 as well (its URL carries it, signed)
    URI made = URI.create(cluster.api(1).post("/apps/" + app + "/log-sessions", "{\"lines\":1500}")
        .expect(201).body().path("logplex_url").asText());
    assertEquals(cluster.node(1).apiPort, made.getPort(), made.toString());
    URI history = URI.create("http://127.0.0.1:" + cluster.node(2).apiPort + made.getPath());
    HttpResponse<String> read = HttpClient.newHttpClient().send(HttpRequest.newBuilder(history).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, read.statusCode(), read.body());
    String log = read.body();
    assertTrue(log.contains("app[" + releaseDyno + "]: migrating on " + releaseDyno)
        && log.contains("app[" + releaseDyno + "]: migrated"), log);
    ClusterFailoverTest.await(() -> DynoTest.dynos(n3, app), dynos -> {
      for (JsonNode d : dynos) {
        if (d.path("type").asText().equals("release")) {
          return false;
        }
      }
      return true;
    }, Duration.ofSeconds(10));
  }

  private static long routerLines(Queue<String> tail) {
    return tail.stream().filter(l -> l.contains("heroku[router]") && l.contains("/say?m=via-n")).count();
  }

  /** How often each {@code said via-….} line appears in {@code text} (the dot ends it in a drain's frames). */
  private static Map<String, Integer> counts(String text) {
    Map<String, Integer> counts = new TreeMap<>();
    Matcher m = SAID.matcher(text);
    while (m.find()) {
      counts.merge(m.group(1), 1, Integer::sum);
    }
    return counts;
  }
}
