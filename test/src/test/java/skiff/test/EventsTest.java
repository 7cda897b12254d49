package skiff.test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import skiff.platform.node.SkiffNode;

/** The journal as the app's story: every change in order, with who caused it and under which request. */
class EventsTest {
  @Test
  void eventsTellTheWholeStoryInOrderWithWhoDidWhat() throws Exception {
    try (SkiffNode node = TestNode.start(TestNode.freshHome())) {
      Api api = new Api(node.apiPort(), TestNode.TOKEN);
      DynoTest.deploy(api, node.apiPort(), Files.createTempDirectory("events"), "story");
      JsonNode up = DynoTest.awaitDyno(api, "story", "web.1", d -> d.path("state").asText().equals("up"),
          Duration.ofSeconds(20));
      Instant beforeConfig = Instant.now();
      Api.Answer set = api.patch("/apps/story/config-vars", "{\"A\":\"1\"}").expect(200);
      api.patch("/apps/story/config-vars", "{\"A\":null}").expect(200);
      api.patch("/apps/story/formation", "{\"updates\":[{\"type\":\"web\",\"quantity\":2}]}").expect(200);
      DynoTest.awaitDyno(api, "story", "web.1", d -> d.path("release").path("version").asInt() == 4
          && d.path("state").asText().equals("up"), Duration.ofSeconds(20));
      DynoTest.killDyno(DynoTest.dyno(api, "story", "web.1"));
      DynoTest.awaitDyno(api, "story", "web.1", d -> d.path("state").asText().equals("up")
          && d.path("pid").asLong() != up.path("pid").asLong(), Duration.ofSeconds(10));
      api.post("/apps/story/releases", "{\"release\":\"2\"}").expect(201);

      JsonNode events = api.get("/apps/story/events", "id ..; max=1000").expect(200).body();
      List<String> types = new ArrayList<>();
      events.forEach(e -> types.add(e.path("type").asText()));
      List<String> story = List.of("AppCreated", "PushReceived", "BuildSucceeded", "ConfigVarsChanged",
          "ConfigVarsChanged", "FormationChanged", "Crashed", "RolledBack");
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
}
