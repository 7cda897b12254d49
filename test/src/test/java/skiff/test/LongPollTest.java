package skiff.test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import skiff.platform.node.SkiffNode;

/** With the default timeouts (30 s to first byte, 55 s idle) a 50 s long poll is not cut. */
class LongPollTest {
  @Test
  void aFiftySecondLongPollIsAnswered() throws Exception {
    try (SkiffNode node = TestNode.start(TestNode.freshHome())) {
      Api api = new Api(node.apiPort(), TestNode.TOKEN);
      RouterTest.deployNode(api, node.apiPort(), Files.createTempDirectory("long-poll"), "long-poll", 1);
      long start = System.nanoTime();
      HttpResponse<String> answer = RouterTest.through(node.routerPort(), "long-poll", "/poll?ms=50000", Map.of());
      Duration took = Duration.ofNanos(System.nanoTime() - start);
      assertEquals(200, answer.statusCode());
      assertEquals("poll answered", answer.body());
      assertTrue(took.toSeconds() >= 49, "it really waited: " + took);
    }
  }
}
