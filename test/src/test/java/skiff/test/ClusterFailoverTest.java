package skiff.test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three real node processes on one PostgreSQL journal: an app's dynos spread over all three; node 2
 * is lost ({@code kill -9} of its JVM and its dynos, as when a machine dies) and every dyno is up
 * again on nodes 1 and 3, none twice, with the formation and a crash cooldown as they were; every
 * node answers the same apps, config and releases, and a push and a clone through node 3 find the
 * history node 2 took. Node 2 joins again without a dyno moving for it; node 3 drains to the others.
 * A scale beyond the nodes' capacity is refused.
 */
@Tag("cluster")
class ClusterFailoverTest {
  @TempDir
  Path work;

  @Test
  void aLostNodesDynosComeBackOnTheOthersOnceEach() throws Exception {
    try (TestCluster cluster = TestCluster.start(3, Map.of("SKIFF_NODE_CAPACITY", "12"))) {
      List<ServerProcess> nodes = cluster.nodes;
      Api n1 = cluster.api(1);
      Api n2 = cluster.api(2);
      Api n3 = cluster.api(3);

      String app = "spread";
      // pushed through the node that will be lost: its repository must outlive it
      DynoTest.deploy(n2, nodes.get(1).apiPort, work, app);
      n1.patch("/apps/" + app + "/formation", "{\"updates\":[{\"type\":\"web\",\"quantity\":6},"
          + "{\"type\":\"worker\",\"quantity\":3}]}").expect(200);
      JsonNode spread = await(() -> DynoTest.dynos(n1, app), all -> upOn(all, 9) != null, Duration.ofSeconds(90));
      Map<String, Integer> byNode = upOn(spread, 9);
      assertEquals(Map.of("n1", 3, "n2", 3, "n3", 3), byNode, "nine dynos on three nodes: " + spread);
      for (String type : List.of("web", "worker")) {
        Map<String, Integer> ofType = new TreeMap<>();
        spread.forEach(d -> {
          if (d.path("type").asText().equals(type)) {
            ofType.merge(d.path("node").asText(), 1, Integer::sum);
          }
        });
        assertEquals(3, ofType.size(), type + " dynos on every node: " + spread);
      }

      // the three nodes have room for 36 dynos (and one node for all nine with a preboot or three under
      // way, as the drain below needs): 32 more are refused, naming why
      JsonNode capacities = await(() -> n1.get("/nodes").expect(200).body(), all -> all.findValues("capacity").size() == 3,
          Duration.ofSeconds(10));
      assertEquals(List.of(12, 12, 12), capacities.findValues("capacity").stream().map(c -> c.path("dynos").asInt())
          .toList(), capacities.toString());
      n1.patch("/apps/" + app + "/formation", "{\"updates\":[{\"type\":\"worker\",\"quantity\":35}]}")
          .expectError(422, "invalid_params", "The cluster is full");

      // a worker on n2 crashes twice: its restart waits for the crash cooldown, a state the journal keeps
      String cooling = null;
      for (JsonNode d : spread) {
        if (d.path("type").asText().equals("worker") && d.path("node").asText().equals("n2")) {
          cooling = d.path("name").asText();
        }
      }
      String coolingName = cooling;
      long firstPid = DynoTest.dyno(n1, app, coolingName).path("pid").asLong();
      killTree(firstPid);
      JsonNode again = DynoTest.awaitDyno(n1, app, coolingName, d -> d.path("state").asText().equals("up")
          && d.path("pid").asLong() != 0 && d.path("pid").asLong() != firstPid, Duration.ofSeconds(30));
      killTree(again.path("pid").asLong());
      JsonNode crashed = DynoTest.awaitDyno(n1, app, coolingName, d -> d.path("state").asText().equals("crashed"),
          Duration.ofSeconds(30));
      String restartAt = crashed.path("restart_at").asText();
      assertTrue(!restartAt.isEmpty() && !restartAt.equals("null"), crashed.toString());

      // three detached one-offs, one on each node (their numbers spread them as a type's dynos are)
      Map<String, String> runs = new TreeMap<>();
      for (int i = 0; i < 3; i++) {
        JsonNode run = n1.post("/apps/" + app + "/dynos", "{\"command\":\"sleep 600\"}").expect(201).body();
        runs.put(run.path("node").asText(), run.path("name").asText());
      }
      assertEquals(java.util.Set.of("n1", "n2", "n3"), runs.keySet(), runs.toString());

      // node 2 is lost: its JVM and every process it started die at once
      ServerProcess lost = nodes.get(1);
      lost.killWithDynos();
      long lostAt = System.nanoTime();
      JsonNode after = await(() -> DynoTest.dynos(n1, app), all -> {
        Map<String, Integer> on = upOn(all, 8);
        return on != null && !on.containsKey("n2");
      }, Duration.ofSeconds(90));
      System.out.printf("node loss to every dyno up elsewhere: %.1f s%n", (System.nanoTime() - lostAt) / 1e9);
      // the one-off node 2 ran is no longer listed; the others still run
      JsonNode oneOffs = await(() -> DynoTest.dynos(n3, app), all -> {
        java.util.Set<String> listed = new java.util.TreeSet<>();
        all.forEach(d -> listed.add(d.path("name").asText()));
        return !listed.contains(runs.get("n2")) && listed.contains(runs.get("n1")) && listed.contains(runs.get("n3"));
      }, Duration.ofSeconds(30));
      oneOffs.forEach(d -> assertTrue(!d.path("type").asText().equals("run") || !d.path("node").asText().equals("n2"),
          oneOffs.toString()));
      JsonNode stillCooling = DynoTest.dyno(n1, app, coolingName);
      assertEquals("crashed", stillCooling.path("state").asText(), "the cooldown survived the loss: " + after);
      assertEquals(restartAt, stillCooling.path("restart_at").asText());
      // none twice: the nodes left run exactly the eight processes the dynos say they do
      JsonNode registry = await(() -> n1.get("/nodes").expect(200).body(), all -> dynosOn(all, "n1")
          + dynosOn(all, "n3") == 8, Duration.ofSeconds(20));
      assertEquals(8, dynosOn(registry, "n1") + dynosOn(registry, "n3"), registry.toString());
      JsonNode formation = n3.get("/apps/" + app + "/formation").expect(200).body();
      Map<String, Integer> quantities = new HashMap<>();
      formation.forEach(f -> quantities.put(f.path("type").asText(), f.path("quantity").asInt()));
      assertEquals(6, quantities.get("web"));
      assertEquals(3, quantities.get("worker"));

      // a push through node 3 builds on the history node 2 took, and a clone through node 3 returns all of it
      Git source = new Git(work.resolve(app));
      source.write("NOTES", "pushed through n3 after n2 was lost\n").commit("second push");
      Git.Result second = source.pushTo(nodes.get(2).apiPort, app);
      assertEquals(0, second.status(), second.output());
      for (ServerProcess node : List.of(nodes.get(2), nodes.get(0))) {
        Git clone = new Git(work.resolve("clone-" + node.apiPort));
        Git.Result cloned = clone.run("clone", "-q", Git.remote(node.apiPort, app, TestNode.TOKEN), ".");
        assertEquals(0, cloned.status(), cloned.output());
        assertEquals(source.head(), clone.head(), "the whole history, up to the last push");
        assertEquals("2", clone.run("rev-list", "--count", "HEAD").output().strip());
      }

      // every node left answers the same
      n3.patch("/apps/" + app + "/config-vars", "{\"COLOUR\":\"teal\"}").expect(200);
      for (Api api : List.of(n1, n3)) {
        assertEquals("teal", api.get("/apps/" + app + "/config-vars").expect(200).body().path("COLOUR").asText());
        JsonNode releases = api.get("/apps/" + app + "/releases").expect(200).body();
        assertEquals(n1.get("/apps/" + app + "/releases").body().toString(), releases.toString());
        assertEquals(1, api.get("/apps").expect(200).body().size());
      }

      // the config change is a new release, which gives the cooling worker a fresh start: nine up
      // (all of them on that release: a dyno still up on the one before is about to be replaced)
      int latest = 0;
      for (JsonNode r : n1.get("/apps/" + app + "/releases").expect(200).body()) {
        latest = Math.max(latest, r.path("version").asInt());
      }
      int release = latest;
      JsonNode settled = await(() -> DynoTest.dynos(n1, app), all -> upOn(all, 9) != null
          && all.findValues("state").stream().allMatch(st -> st.asText().equals("up"))
          && java.util.stream.StreamSupport.stream(all.spliterator(), false)
              .filter(d -> !d.path("type").asText().equals("run")) // one-offs keep the release they began on
              .allMatch(d -> d.path("release").path("version").asInt() == release),
          Duration.ofSeconds(60));

      // node 2 comes back (a machine replaced): it joins, and no running dyno is stopped or moved for it
      nodes.set(1, ServerProcess.start(cluster.envs.get(1)));
      await(() -> n1.get("/nodes").expect(200).body(), all -> all.findValuesAsText("state").stream()
          .filter("up"::equals).count() == 3, Duration.ofSeconds(60));
      Thread.sleep(5000); // time for any rebalance of the entities to the new node to happen
      Map<String, String> before = new TreeMap<>();
      settled.forEach(d -> before.put(d.path("name").asText(), d.path("node").asText() + " " + d.path("pid").asText()));
      Map<String, String> joined = new TreeMap<>();
      DynoTest.dynos(n1, app).forEach(d -> joined.put(d.path("name").asText(), d.path("node").asText() + " "
          + d.path("pid").asText()));
      assertEquals(before, joined, "a node joining moves and restarts nothing");

      // n3 drains for maintenance: its dynos move to the others and it is left with none
      n1.post("/nodes/n3/actions/drain", "{}").expect(202);
      try {
        await(() -> DynoTest.dynos(n1, app), all -> {
          Map<String, Integer> on = upOn(all, 9);
          return on != null && !on.containsKey("n3");
        }, Duration.ofSeconds(90));
      } catch (AssertionError stuck) {
        StringBuilder story = new StringBuilder();
        for (JsonNode e : n1.get("/apps/" + app + "/events", "id ..; max=1000").body()) { // one page, 200 or 206
          if (e.path("type").asText().startsWith("dyno.")) {
            story.append(e).append('\n');
          }
        }
        throw new AssertionError(stuck.getMessage() + "\nthe dynos' journal:\n" + story, stuck);
      }
      JsonNode drained = await(() -> n1.get("/nodes").expect(200).body(), all -> dynosOn(all, "n3") == 0
          && dynosOn(all, "n1") + dynosOn(all, "n2") == 9, Duration.ofSeconds(20));
      for (JsonNode n : drained) {
        if (n.path("name").asText().equals("n3")) {
          assertTrue(n.path("draining").asBoolean(), drained.toString());
        }
      }
    }
  }

  /** Dynos up by node, if exactly {@code count} are up; null otherwise. */
  static Map<String, Integer> upOn(JsonNode dynos, int count) {
    Map<String, Integer> byNode = DynoTest.upByNode(dynos);
    return byNode.values().stream().mapToInt(Integer::intValue).sum() == count ? byNode : null;
  }

  static int dynosOn(JsonNode nodes, String name) {
    for (JsonNode n : nodes) {
      if (n.path("name").asText().equals(name)) {
        return n.path("dynos").asInt();
      }
    }
    return 0;
  }

  private static void killTree(long pid) {
    ProcessHandle.of(pid).ifPresent(p -> {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
    });
  }

  interface Read {
    JsonNode get() throws Exception;
  }

  static JsonNode await(Read read, Predicate<JsonNode> done, Duration within) throws Exception {
    long deadline = System.nanoTime() + within.toNanos();
    JsonNode last = null;
    Throwable error = null;
    while (System.nanoTime() < deadline) {
      try {
        last = read.get();
        if (done.test(last)) {
          return last;
        }
      } catch (AssertionError e) {
        error = e; // while the cluster has not yet downed a lost node, asks of its entities time out
      }
      Thread.sleep(250);
    }
    throw new AssertionError("not within " + within + ": " + last, error);
  }

}
