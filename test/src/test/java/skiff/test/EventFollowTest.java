package skiff.test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import skiff.platform.cli.SkiffCli;
import skiff.platform.node.SkiffNode;

/** Following the journal as it is written, for one app and for the whole platform. */
class EventFollowTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  @Test
  void followersSeeHistoryThenNewEventsAndResumeWhereTheyLeft() throws Exception {
    try (SkiffNode node = TestNode.start(TestNode.freshHome())) {
      Api api = new Api(node.apiPort(), TestNode.TOKEN);
      api.post("/apps", "{\"name\":\"alpha\"}").expect(201);
      api.post("/apps", "{\"name\":\"beta\"}").expect(201);
      String alphaId = api.get("/apps/alpha").body().path("id").asText();

      try (EventStream alpha = EventStream.open(node.apiPort(), "/apps/alpha/events", null)) {
        assertEquals("app.created", alpha.next(WAIT).data().path("type").asText(), "history first");
        api.patch("/apps/beta/config-vars", "{\"B\":\"1\"}").expect(200);
        Api.Answer set = api.patch("/apps/alpha/config-vars", "{\"A\":\"1\"}").expect(200);
        EventStream.Message change = alpha.next("app.config-vars-changed", WAIT);
        assertEquals(set.header("Request-Id"), change.data().path("request_id").asText());
        assertEquals(alphaId, change.data().path("app_id").asText(), "beta's change is not in alpha's stream");
        assertEquals(change.data().path("id").asText(), change.id(), "one app's stream: the id is the event's");
      }

      // a reconnect with Last-Event-ID gets exactly what came after, with nothing twice
      JsonNode all = api.get("/apps/alpha/events", "id ..; max=1000").body();
      String resumeAfter = all.get(1).path("id").asText();
      api.patch("/apps/alpha/config-vars", "{\"A\":\"2\"}").expect(200);
      List<Long> expected = new ArrayList<>();
      api.get("/apps/alpha/events", "id ]" + resumeAfter + "..; max=1000").body()
          .forEach(e -> expected.add(e.path("id").asLong()));
      try (EventStream resumed = EventStream.open(node.apiPort(), "/apps/alpha/events", resumeAfter)) {
        List<Long> got = new ArrayList<>();
        for (int i = 0; i < expected.size(); i++) {
          got.add(resumed.next(WAIT).data().path("id").asLong());
        }
        assertEquals(expected, got);
        assertNull(resumed.poll(Duration.ofMillis(700)), "nothing more, nothing twice");
      }

      // filters apply to the followed stream too
      try (EventStream configOnly = EventStream.open(node.apiPort(),
          "/apps/alpha/events?type=ConfigVarsChanged&actor=admin@skiff.local", null)) {
        api.patch("/apps/alpha", "{\"maintenance\":true}").expect(200);
        api.patch("/apps/alpha/config-vars", "{\"A\":\"3\"}").expect(200);
        for (int i = 0; i < 3; i++) {
          assertEquals("app.config-vars-changed", configOnly.next(WAIT).data().path("type").asText());
        }
      }

      // pages in either direction, put together, are the whole story
      List<Long> everyId = ids(api.get("/apps/alpha/events", "id ..; max=1000").body());
      assertEquals(everyId, pagedIds(api, "id ..; max=3"));
      List<Long> backwards = new ArrayList<>(everyId);
      java.util.Collections.reverse(backwards);
      assertEquals(backwards, pagedIds(api, "id ..; max=4, order=desc"));
      assertEquals(backwards.subList(0, 2), ids(api.get("/apps/alpha/events", "id ..; max=2, order=desc").body()));
      api.get("/apps/alpha/events", "id abc..; max=2").expectError(416, "requested_range_not_satisfiable", "event ids");

      // the platform: every app's events and the directory's, one order, a cursor for each kind
      JsonNode platform = api.get("/events", "id ..; max=1000").expect(200).body();
      long previous = 0;
      Set<String> claimed = new HashSet<>();
      for (JsonNode e : platform) {
        assertTrue(e.path("id").asLong() > previous, "in journal order");
        previous = e.path("id").asLong();
        if (e.path("type").asText().equals("directory.name-claimed")) {
          claimed.add(e.path("data").path("name").asText());
        }
      }
      assertEquals(Set.of("alpha", "beta"), claimed);
      assertEquals(2, api.get("/events?type=AppCreated").body().size());
      String cursor;
      try (EventStream everything = EventStream.open(node.apiPort(), "/events?type=ConfigVarsChanged", null)) {
        for (int i = 0; i < 4; i++) {
          everything.next(WAIT);
        }
        api.patch("/apps/beta/config-vars", "{\"B\":\"2\"}").expect(200);
        EventStream.Message m = everything.next(WAIT);
        assertEquals("beta", api.get("/apps/" + m.data().path("app_id").asText()).body().path("name").asText());
        cursor = m.id();
        assertTrue(cursor.matches("directory=\\d+,app=\\d+,release=\\d+,dyno=\\d+"), cursor);
      }
      api.patch("/apps/alpha/config-vars", "{\"A\":\"4\"}").expect(200);
      try (EventStream resumed = EventStream.open(node.apiPort(), "/events?type=ConfigVarsChanged&reveal=true", cursor)) {
        assertEquals("4", resumed.next(WAIT).data().path("data").path("set").path("A").asText(),
            "after the cursor: only the newer change");
      }

      // bad input: each a clear answer, nothing streamed
      api.get("/apps/alpha/events?follow=true&until=2030-01-01T00:00:00Z")
          .expectError(422, "invalid_params", "until cannot be used when following");
      api.get("/events?type=Nope").expectError(422, "invalid_params", "app.config-vars-changed");
      api.get("/apps/alpha/events?since=2026-11-27T00:00:00Z&until=2026-11-26T00:00:00Z")
          .expectError(422, "invalid_params", "swap them");
      IllegalStateException garbage = assertThrows(IllegalStateException.class,
          () -> EventStream.open(node.apiPort(), "/apps/alpha/events", "yesterday"));
      assertTrue(garbage.getMessage().startsWith("400") && garbage.getMessage().contains("Last-Event-ID"),
          garbage.getMessage());
      IllegalStateException foreign = assertThrows(IllegalStateException.class,
          () -> EventStream.open(node.apiPort(), "/events", "builds=3"));
      assertTrue(foreign.getMessage().contains("'builds'"), foreign.getMessage());
    }
  }

  private static List<Long> ids(JsonNode events) {
    List<Long> ids = new ArrayList<>();
    events.forEach(e -> ids.add(e.path("id").asLong()));
    return ids;
  }

  private static List<Long> pagedIds(Api api, String firstRange) {
    List<Long> ids = new ArrayList<>();
    String range = firstRange;
    while (range != null) {
      Api.Answer page = api.get("/apps/alpha/events", range);
      ids.addAll(ids(page.body()));
      range = page.status() == 206 ? page.header("Next-Range") : null;
    }
    return ids;
  }

  @Test
  void theCliFollowsAndExportsThePlatform() throws Exception {
    Path home = TestNode.freshHome();
    try (SkiffNode node = TestNode.start(home)) {
      Api api = new Api(node.apiPort(), TestNode.TOKEN);
      api.post("/apps", "{\"name\":\"gamma\"}").expect(201);
      api.post("/apps", "{\"name\":\"delta\"}").expect(201);
      Map<String, String> env = Map.of("SKIFF_HOST", "http://127.0.0.1:" + node.apiPort(), "SKIFF_API_KEY",
          TestNode.TOKEN, "HOME", home.toString());
      PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());

      LineCollector followed = new LineCollector();
      Thread follower = new Thread(() -> new SkiffCli(env, new PrintStream(followed, true, StandardCharsets.UTF_8),
          quiet).run(new String[] {"events", "-a", "gamma", "--follow", "--type", "app.config-vars-changed"}), "cli-follow");
      follower.setDaemon(true);
      follower.start();
      Api.Answer set = api.patch("/apps/gamma/config-vars", "{\"G\":\"1\"}").expect(200);
      String line = followed.await("app.config-vars-changed", WAIT);
      assertTrue(line.contains("admin@skiff.local") && line.contains("request_id=" + set.header("Request-Id")), line);

      SkiffRun listed = SkiffRun.of(env, "events", "--all", "--type", "directory.name-claimed");
      assertEquals(0, listed.status(), listed.err());
      assertEquals(2, listed.out().lines().count(), listed.out());

      api.delete("/apps/delta").expect(200);
      SkiffRun exported = SkiffRun.of(env, "events:export", "--all");
      assertEquals(0, exported.status(), exported.err());
      Path file = Files.createTempFile("platform", ".jsonl");
      Files.writeString(file, exported.out());
      long exportedCount = exported.out().lines().count();
      assertEquals(api.get("/events", "id ..; max=1000").body().size(), exportedCount, "every event, once");
      SkiffRun verified = SkiffRun.of(Map.of(), "events:verify", file.toString());
      assertEquals(0, verified.status(), verified.err());
      String rebuilt = verified.out();
      assertTrue(rebuilt.contains("=== gamma") && rebuilt.contains("Config vars: G"), rebuilt);
      assertTrue(rebuilt.contains(": destroyed"), "the deleted app is in the platform's history: " + rebuilt);
    }
  }

  /** An output stream whose complete lines a test can wait for. */
  private static final class LineCollector extends OutputStream {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

    @Override
    public synchronized void write(int b) {
      bytes.write(b);
      if (b == '\n') {
        notifyAll();
      }
    }

    synchronized String await(String fragment, Duration wait) throws InterruptedException {
      long deadline = System.currentTimeMillis() + wait.toMillis();
      while (true) {
        String text = bytes.toString(StandardCharsets.UTF_8);
        for (String line : text.substring(0, text.lastIndexOf('\n') + 1).split("\n")) {
          if (line.contains(fragment)) {
            return line;
          }
        }
        long left = deadline - System.currentTimeMillis();
        if (left <= 0) {
          throw new AssertionError("no line with " + fragment + " in: " + text);
        }
        wait(left);
      }
    }
  }
}
