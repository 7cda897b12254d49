package skiff.test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import skiff.platform.node.SkiffNode;

/** The journal as the app's story: every change in order, with who caused it and under which request. */
class EventsTest {
  @Test
  void eventsTellTheWholeStoryInOrderWithWhoDidWhat() throws Exception {
    try (SkiffNode node = TestNode.start(TestNode.freshHome())) {
      Api api = new Api(node.apiPort(), TestNode.TOKEN);
      DynoTest.deploy(api, node.apiPort(), Files.createTempDirectory("events"), "story");
      DynoTest.awaitDyno(api, "story", "web.1", d -> d.path("state").asText().equals("up"), Duration.ofSeconds(20));
      Instant beforeConfig = Instant.now();
      Api.Answer set = api.patch("/apps/story/config-vars", "{\"A\":\"1\"}").expect(200);
      api.patch("/apps/story/config-vars", "{\"A\":null}").expect(200);
      api.patch("/apps/story/formation", "{\"updates\":[{\"type\":\"web\",\"quantity\":2}]}").expect(200);
      DynoTest.awaitDyno(api, "story", "web.1", d -> d.path("release").path("version").asInt() == 4
          && d.path("state").asText().equals("up"), Duration.ofSeconds(20));
      JsonNode victim = DynoTest.dyno(api, "story", "web.1");
      DynoTest.killDyno(victim);
      DynoTest.awaitDyno(api, "story", "web.1", d -> d.path("state").asText().equals("up")
          && d.path("pid").asLong() != victim.path("pid").asLong(), Duration.ofSeconds(10));
      api.post("/apps/story/releases", "{\"release\":\"2\"}").expect(201);

      JsonNode events = api.get("/apps/story/events", "id ..; max=1000").expect(200).body();
      List<String> types = new ArrayList<>();
      events.forEach(e -> types.add(e.path("type").asText()));
      List<String> story = List.of("app.created", "app.push-received", "app.build-succeeded", "app.config-vars-changed",
          "app.config-vars-changed", "app.formation-changed", "dyno.crashed", "app.rolled-back");
      int at = -1;
      for (String step : story) {
        int next = types.subList(at + 1, types.size()).indexOf(step);
        assertTrue(next >= 0, step + " after position " + at + " in " + types);
        at += next + 1;
      }
      long previous = 0;
      for (JsonNode e : events) {
        assertTrue(e.path("id").asLong() > previous, "in journal order");
        previous = e.path("id").asLong();
        assertTrue(!e.path("actor").asText().isEmpty() && !e.path("at").asText().isEmpty(), e.toString());
      }
      JsonNode configChange = api.get("/apps/story/events?type=ConfigVarsChanged").body().get(0);
      assertEquals("admin@skiff.local", configChange.path("actor").asText());
      assertEquals(set.header("Request-Id"), configChange.path("request_id").asText(), "the API request that did it");
      JsonNode crash = api.get("/apps/story/events?type=Crashed&dyno=web.1").body().get(0);
      assertEquals("platform", crash.path("actor").asText());
      assertEquals(137, crash.path("data").path("status").asInt());
      assertTrue(crash.path("data").path("lastLines").toString().contains("listening on"), crash.toString());
      JsonNode since = api.get("/apps/story/events?since=" + beforeConfig + "&actor=admin@skiff.local").body();
      since.forEach(e -> assertTrue(!Instant.parse(e.path("at").asText()).isBefore(beforeConfig)));

      api.get("/apps/story/events?type=Nonsense").expectError(422, "invalid_params", "Nonsense");
      api.get("/apps/story/events?since=yesterday").expectError(422, "invalid_params", "not a timestamp");
    }
  }

  /** What the live API said at a moment, to compare with the state replayed for that moment. */
  private record Snapshot(Instant at, int release, List<String> configNames, String formation, List<String> dynos) {}

  private static Snapshot live(Api api, String app) throws Exception {
    Thread.sleep(300);
    Instant at = Instant.now();
    JsonNode releases = api.get("/apps/" + app + "/releases", "version ..; max=1, order=desc").body();
    List<String> names = new ArrayList<>();
    api.get("/apps/" + app + "/config-vars").body().fieldNames().forEachRemaining(names::add);
    java.util.Collections.sort(names);
    List<String> formation = new ArrayList<>();
    api.get("/apps/" + app + "/formation").body().forEach(f -> formation.add(f.path("type").asText() + "="
        + f.path("quantity").asInt()));
    List<String> dynos = new ArrayList<>();
    api.get("/apps/" + app + "/dynos").body().forEach(d -> dynos.add(d.path("name").asText() + ":"
        + d.path("state").asText() + ":v" + d.path("release").path("version").asInt()));
    Thread.sleep(300);
    return new Snapshot(at, releases.get(0).path("version").asInt(), names, String.join(" ", formation), dynos);
  }

  private static void assertReplayMatches(Api api, String app, Snapshot then) {
    JsonNode state = api.get("/apps/" + app + "/state?at=" + then.at()).expect(200).body();
    assertEquals(then.release(), state.path("release").path("version").asInt(), "release at " + then.at());
    List<String> names = new ArrayList<>();
    state.path("config_var_names").forEach(n -> names.add(n.asText()));
    assertEquals(then.configNames(), names);
    List<String> formation = new ArrayList<>();
    state.path("formation").forEach(f -> formation.add(f.path("type").asText() + "=" + f.path("quantity").asInt()));
    assertEquals(then.formation(), String.join(" ", formation));
    List<String> dynos = new ArrayList<>();
    state.path("dynos").forEach(d -> dynos.add(d.path("name").asText() + ":" + d.path("state").asText() + ":v"
        + d.path("release").asInt()));
    assertEquals(then.dynos(), dynos, "dynos at " + then.at());
  }

  @Test
  void theStateReplayedForAPastInstantIsWhatTheApiSaidThen() throws Exception {
    try (SkiffNode node = TestNode.start(TestNode.freshHome())) {
      Api api = new Api(node.apiPort(), TestNode.TOKEN);
      DynoTest.deploy(api, node.apiPort(), Files.createTempDirectory("replay"), "replay");
      DynoTest.awaitDyno(api, "replay", "web.1", d -> d.path("state").asText().equals("up"), Duration.ofSeconds(20));
      Snapshot first = live(api, "replay");
      api.patch("/apps/replay/config-vars", "{\"A\":\"1\",\"B\":\"2\"}").expect(200);
      api.patch("/apps/replay/formation", "{\"updates\":[{\"type\":\"worker\",\"quantity\":1}]}").expect(200);
      DynoTest.awaitDyno(api, "replay", "web.1", d -> d.path("release").path("version").asInt() == 3
          && d.path("state").asText().equals("up"), Duration.ofSeconds(20));
      DynoTest.awaitDyno(api, "replay", "worker.1", d -> d.path("state").asText().equals("up"), Duration.ofSeconds(20));
      Snapshot second = live(api, "replay");
      api.patch("/apps/replay/config-vars", "{\"A\":null}").expect(200);
      api.post("/apps/replay/releases", "{\"release\":\"2\"}").expect(201);

      assertReplayMatches(api, "replay", first);
      assertReplayMatches(api, "replay", second);
      JsonNode revealed = api.get("/apps/replay/state?at=" + second.at() + "&reveal=true").body();
      assertEquals("2", revealed.path("config_vars").path("B").asText());
      api.get("/apps/replay/state?at=2020-01-01T00:00:00Z").expectError(422, "invalid_params", "did not exist");

      // export the journal and rebuild the app from the file alone, as events:verify does
      Map<String, String> env = Map.of("SKIFF_HOST", "http://127.0.0.1:" + node.apiPort(), "SKIFF_API_KEY",
          TestNode.TOKEN, "HOME", TestNode.freshHome().toString());
      SkiffRun exported = SkiffRun.of(env, "events:export", "-a", "replay");
      assertEquals(0, exported.status(), exported.err());
      java.nio.file.Path file = Files.createTempFile("replay", ".jsonl");
      Files.writeString(file, exported.out());
      SkiffRun verified = SkiffRun.of(Map.of(), "events:verify", file.toString());
      assertEquals(0, verified.status(), verified.err());
      String rebuilt = verified.out();
      JsonNode now = api.get("/apps/replay/state").body();
      assertTrue(rebuilt.contains("Release:     v" + now.path("release").path("version").asInt() + " slug "
          + now.path("release").path("slug_checksum").asText()), rebuilt);
      List<String> names = new ArrayList<>();
      now.path("config_var_names").forEach(n -> names.add(n.asText()));
      assertTrue(rebuilt.contains("Config vars: " + String.join(", ", names) + "\n"), rebuilt);
      List<String> formation = new ArrayList<>();
      now.path("formation").forEach(f -> formation.add(f.path("type").asText() + "=" + f.path("quantity").asInt()));
      assertTrue(rebuilt.contains("Formation:   " + String.join(" ", formation) + "\n"), rebuilt);
      api.get("/apps/replay/state?at=noon").expectError(422, "invalid_params", "not a timestamp");

      // the same, as a user types it
      SkiffRun stateThen = SkiffRun.of(env, "state", "-a", "replay", "--at", second.at().toString());
      assertEquals(0, stateThen.status(), stateThen.err());
      assertTrue(stateThen.out().contains("v3") && stateThen.out().contains("A, B")
          && stateThen.out().contains("web=1:Basic worker=1:Basic"), stateThen.out());
      SkiffRun changed = SkiffRun.of(env, "state:diff", "-a", "replay", "--from", first.at().toString(), "--to",
          second.at().toString());
      assertTrue(changed.out().contains("~ Release: v2 -> v3") && changed.out().contains("+ Config vars: A")
          && changed.out().contains("+ Config vars: B"), changed.out());
      SkiffRun releases = SkiffRun.of(env, "releases:diff", "v3", "v4", "-a", "replay");
      assertTrue(releases.out().contains("- config A") && !releases.out().contains("config B")
          && releases.out().lines().anyMatch(l -> l.startsWith("  Process types: {") && l.contains("\"web\"")),
          releases.out());
      SkiffRun story = SkiffRun.of(env, "events", "-a", "replay", "--type", "app.config-vars-changed");
      List<String> lines = story.out().lines().toList();
      assertEquals(2, lines.size(), story.out());
      assertTrue(lines.get(0).contains("admin@skiff.local") && lines.get(0).contains("request_id=")
          && lines.get(0).contains("app.config-vars-changed") && lines.get(0).contains("\"A\":\"[redacted]\"")
          && !lines.get(0).contains("\"A\":\"1\""), "values redacted by default: " + lines.get(0));
      // the class-style name of before stable names still filters; --reveal shows the values to an admin
      SkiffRun shown = SkiffRun.of(env, "events", "-a", "replay", "--type", "ConfigVarsChanged", "--reveal");
      assertTrue(shown.out().lines().findFirst().orElseThrow().contains("\"A\":\"1\""), shown.out());
      SkiffRun badTime = SkiffRun.of(env, "state", "-a", "replay", "--at", "teatime");
      assertEquals(2, badTime.status());
      assertTrue(badTime.err().contains("not a timestamp"), badTime.err());
      SkiffRun badType = SkiffRun.of(env, "events", "-a", "replay", "--type", "Crash");
      assertEquals(2, badType.status());
      assertTrue(badType.err().contains("dyno.crashed"), "names the known types: " + badType.err());
    }
  }
}
