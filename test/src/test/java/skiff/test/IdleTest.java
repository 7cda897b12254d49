package skiff.test;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import skiff.platform.node.SkiffNode;

/** An app with one web dyno idles after SKIFF_IDLE_AFTER without requests; the next request wakes it. */
class IdleTest {
  @Test
  void aLoneWebDynoIdlesAndTheNextRequestWakesIt() throws Exception {
    Map<String, String> env = TestNode.env(TestNode.freshHome());
    env.put("SKIFF_IDLE_AFTER", "2s");
    try (SkiffNode node = TestNode.start(env)) {
      Api api = new Api(node.apiPort(), TestNode.TOKEN);
      RouterTest.deployNode(api, node.apiPort(), Files.createTempDirectory("idle"), "sleepy", 1);
      DynoTest.awaitDyno(api, "sleepy", "web.1", d -> d.path("state").asText().equals("idle"), Duration.ofSeconds(15));
      HttpResponse<String> woken = RouterTest.through(node.routerPort(), "sleepy", "/", Map.of());
      assertEquals(200, woken.statusCode());
      assertEquals("web.1", woken.body());
      assertEquals("up", DynoTest.dyno(api, "sleepy", "web.1").path("state").asText());
    }
  }
}
