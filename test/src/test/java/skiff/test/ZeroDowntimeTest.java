package skiff.test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import skiff.platform.node.SkiffNode;

/**
 * Four web dynos under steady load while the app is deployed, reconfigured, restarted and scaled
 * down: every answer is counted, and none may be anything but 2xx, nor a socket error.
 */
class ZeroDowntimeTest {
  private static final String APP = "steady";
  @Test
  void deployConfigChangeRestartAndScaleDownLoseNoRequest() throws Exception {
    Map<String, String> env = TestNode.env(TestNode.freshHome());
    env.put("SKIFF_SIGTERM_GRACE", "5s");
    try (SkiffNode node = TestNode.start(env)) {
      Api api = new Api(node.apiPort(), TestNode.TOKEN);
      Path work = Files.createTempDirectory("zero-downtime");
      RouterTest.deployNode(api, node.apiPort(), work, APP, 4);
      Map<String, String> outcomes = new HashMap<>();

      outcomes.put("deploy", underLoad(node, api, 4, () -> {
        Git git = new Git(work.resolve(APP));
        git.write("server.js", RouterApp.SERVER + "\n// v2\n").commit("second deploy");
        Git.Result pushed = git.run("push", "http://h:" + TestNode.TOKEN + "@127.0.0.1:" + node.apiPort() + "/"
            + APP + ".git", "main");
        assertEquals(0, pushed.status(), pushed.output());
      }));
      outcomes.put("config:set", underLoad(node, api, 4,
          () -> api.patch("/apps/" + APP + "/config-vars", "{\"GREETING\":\"hi\"}").expect(200)));
      long beforeRestart = lastEventId(api);
      outcomes.put("ps:restart", underLoad(node, api, 4, () -> api.delete("/apps/" + APP + "/dynos").expect(202)));
      assertOneAtATime(api, beforeRestart);
      outcomes.put("scale 4->2", underLoad(node, api, 2, () -> api.patch("/apps/" + APP + "/formation",
          "{\"updates\":[{\"type\":\"web\",\"quantity\":2}]}").expect(200)));
      outcomes.forEach((phase, outcome) -> System.out.println("zero-downtime " + phase + ": " + outcome));
      outcomes.forEach((phase, outcome) -> assertTrue(outcome.startsWith("0 failed"), phase + ": " + outcome));
    }
  }

  @FunctionalInterface
  private interface Change {
    void apply() throws Exception;
  }

  /**
   * Runs {@code change} under load, waits until every web dyno runs a process started after it
   * (or, scaling down, until only {@code webs} remain) and the replaced processes have had their
   * SIGTERM, and tells how many requests failed.
   */
  private static String underLoad(SkiffNode node, Api api, int webs, Change change) throws Exception {
    Map<String, String> pidsBefore = pids(api);
    try (SteadyLoad load = new SteadyLoad(node.routerPort(), APP)) {
      Thread.sleep(1000);
      change.apply();
      awaitDynos(api, dynos -> dynos.size() == webs && allMatch(dynos, d -> d.path("state").asText().equals("up")
          && (webs < pidsBefore.size() || !d.path("pid").asText().equals(pidsBefore.get(d.path("name").asText())))));
      // the replaced processes are drained and get SIGTERM while the load goes on
      Thread.sleep(3000);
      load.close();
      assertTrue(load.ok.get() > 100, "the load ran: " + load.ok);
      return load.outcome();
    }
  }

  private static long lastEventId(Api api) {
    long last = 0;
    for (JsonNode e : api.get("/apps/" + APP + "/events").expect(200).body()) {
      last = Math.max(last, e.path("id").asLong());
    }
    return last;
  }

  /** ps:restart went one web dyno at a time: each new process started only after the one before was up. */
  private static void assertOneAtATime(Api api, long after) {
    List<String> steps = new ArrayList<>();
    for (JsonNode e : api.get("/apps/" + APP + "/events").expect(200).body()) {
      String type = e.path("type").asText();
      if (e.path("id").asLong() > after && (type.equals("dyno.starting") || type.equals("dyno.up"))) {
        steps.add(type + " " + e.path("dyno").asText());
      }
    }
    List<String> expected = new ArrayList<>();
    for (int i = 1; i <= 4; i++) {
      expected.addAll(List.of("dyno.starting web." + i, "dyno.up web." + i));
    }
    assertEquals(expected, steps);
  }

  private static Map<String, String> pids(Api api) {
    Map<String, String> pids = new HashMap<>();
    for (JsonNode d : DynoTest.dynos(api, APP)) {
      pids.put(d.path("name").asText(), d.path("pid").asText());
    }
    return pids;
  }

  private static boolean allMatch(JsonNode dynos, Predicate<JsonNode> condition) {
    for (JsonNode d : dynos) {
      if (!condition.test(d)) {
        return false;
      }
    }
    return true;
  }

  private static void awaitDynos(Api api, Predicate<JsonNode> condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    JsonNode last = null;
    while (System.nanoTime() < deadline) {
      last = DynoTest.dynos(api, APP);
      if (condition.test(last)) {
        return;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("the dynos never got there; last seen: " + last);
  }
}
