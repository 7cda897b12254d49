package skiff.test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import skiff.platform.node.SkiffNode;

/**
 * SKIFF_DYNO_OUTBOUND=deny: sealed dynos reach nothing beyond themselves, while a web dyno is still
 * served through its link and builds (which need npm, PyPI mirrors, Maven Central) keep
 * their network. DynoTest shows the default, outbound allowed.
 */
class OutboundDenyTest {

  @Test
  void dynosReachNothingOutsideButWebDynosAreStillServed() throws Exception {
    if (!TestNode.isRoot()) {
      System.out.println("not root: nothing is sealed, outbound rules not checked");
      return;
    }
    Path home = TestNode.freshHome();
    Map<String, String> env = TestNode.env(home);
    env.put("SKIFF_DYNO_OUTBOUND", "deny");
    try (SkiffNode node = TestNode.start(env)) {
      Api api = new Api(node.apiPort(), TestNode.TOKEN);
      assertTrue(api.get("/status").body().path("isolation").asText().contains("outbound traffic denied"));
      DynoTest.deploy(api, node.apiPort(), Files.createTempDirectory("skiff-deny"), "closed-app");
      Path canary = Files.createTempFile("skiff-canary-", ".txt");
      Files.writeString(canary, "host secret");
      HostCanaryPort hostPort = new HostCanaryPort();
      api.patch("/apps/closed-app/config-vars", "{\"LOOK_FOR\":\"" + home + "\",\"API_PORT\":\"" + node.apiPort()
          + "\",\"DYNO_PORTS\":\"" + env.get("SKIFF_DYNO_PORT_RANGE") + "\",\"CANARY\":\"" + canary + "\","
          + hostPort.configVars() + "}").expect(200);
      api.patch("/apps/closed-app/formation", "{\"updates\":[{\"type\":\"web\",\"quantity\":\"1\"},"
          + "{\"type\":\"probe\",\"quantity\":\"1\"}]}").expect(200);
      JsonNode web = DynoTest.awaitDyno(api, "closed-app", "web.1",
          d -> d.path("state").asText().equals("up") && d.path("release").path("version").asInt() == 3,
          Duration.ofSeconds(30));
      assertEquals("web.1", DynoTest.get(web, "/"), "the web dyno is served");
      String mirror = java.net.InetAddress.getByName("deb.debian.org").getHostAddress();
      String fromWeb = DynoTest.get(web, "/outbound?ip=" + mirror);
      assertTrue(fromWeb.startsWith("outbound failed"), "a web dyno cannot connect out: " + fromWeb);

      String appId = api.get("/apps/closed-app").body().path("id").asText();
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      List<String> lines = List.of();
      while (System.nanoTime() < deadline && lines.stream().noneMatch(l -> l.contains("probe done"))) {
        Thread.sleep(200);
        lines = node.dynos().logs().recent(appId).stream().filter(l -> l.contains("app[probe.1]")).toList();
      }
      String all = String.join("\n", lines);
      assertTrue(all.contains("outbound failed"), "nor can a worker: " + all);
      assertEquals(17, lines.stream().filter(l -> l.contains(": held ")).count(), all);
      assertEquals(0, hostPort.connections(), "no dyno reached the host's service");
      hostPort.close();
    }
  }
}
