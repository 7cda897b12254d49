package skiff.test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import skiff.platform.node.SkiffNode;

/** Nothing is lost across a restart on the same SKIFF_HOME: not after a clean stop, not after kill -9. */
class RestartTest {

  /** Creates two apps with config, releases, a formation and maintenance; returns nothing, asserts later. */
  private static void populate(Api api) {
    api.post("/apps", "{\"name\":\"keep-me\"}").expect(201);
    api.post("/apps", "{\"name\":\"and-me\"}").expect(201);
    api.patch("/apps/keep-me/config-vars", "{\"A\":\"1\",\"B\":\"2\"}").expect(200);
    api.patch("/apps/keep-me/config-vars", "{\"A\":null}").expect(200);
    String slug = api.post("/apps/keep-me/slugs", "{\"process_types\":{\"web\":\"./web\",\"worker\":\"./w\"}}")
        .expect(201).body().path("id").asText();
    api.post("/apps/keep-me/releases", "{\"slug\":\"" + slug + "\"}").expect(201);
    api.patch("/apps/keep-me/formation", "{\"updates\":[{\"type\":\"web\",\"quantity\":\"3\"},"
        + "{\"type\":\"worker\",\"quantity\":\"2\"}]}").expect(200);
    api.patch("/apps/and-me", "{\"maintenance\":true}").expect(200);
  }

  private static void assertAllBack(Api api) {
    JsonNode apps = api.get("/apps").expect(200).body();
    assertEquals(2, apps.size());
    assertEquals(Map.of("B", "2"), Api.JSON.convertValue(api.get("/apps/keep-me/config-vars").body(), Map.class));
    JsonNode releases = api.get("/apps/keep-me/releases", "version ..; order=desc").expect(200).body();
    assertEquals(4, releases.size());
    assertEquals("Deploy", releases.get(0).path("description").asText().substring(0, 6));
    assertEquals(3, api.get("/apps/keep-me/formation/web").body().path("quantity").asInt());
    assertEquals(2, api.get("/apps/keep-me/formation/worker").body().path("quantity").asInt());
    assertTrue(api.get("/apps/and-me").body().path("maintenance").asBoolean());
    JsonNode next = api.patch("/apps/keep-me/config-vars", "{\"C\":\"3\"}").expect(200).body();
    assertEquals("3", next.path("C").asText());
    JsonNode latest = api.get("/apps/keep-me/releases", "version ..; order=desc, max=1").body().get(0);
    assertEquals(5, latest.path("version").asInt(), "release numbers continue after the restart");
    api.post("/apps", "{\"name\":\"keep-me\"}").expectError(422, "invalid_params", "already taken");
  }

  @Test
  void aCleanRestartOnTheSameH2FileKeepsEverything() throws Exception {
    Path home = TestNode.freshHome();
    try (SkiffNode first = TestNode.start(home)) {
      populate(new Api(first.apiPort(), TestNode.TOKEN));
    }
    try (SkiffNode second = TestNode.start(home)) {
      assertAllBack(new Api(second.apiPort(), TestNode.TOKEN));
    }
  }

  @Test
  void killMinusNineAndRestartKeepsEverything() throws Exception {
    Path home = TestNode.freshHome();
    Map<String, String> env = TestNode.env(home);
    try (ServerProcess first = ServerProcess.start(env)) {
      assertTrue(first.ready(), first.output.toString());
      populate(new Api(first.apiPort, TestNode.TOKEN));
      first.killHard();
    }
    try (ServerProcess second = ServerProcess.start(env)) {
      assertTrue(second.ready(), second.output.toString());
      assertAllBack(new Api(second.apiPort, TestNode.TOKEN));
    }
  }
}
