package skiff.test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import skiff.platform.node.SkiffNode;

/** Inputs that used to be accepted and broke things later: each gets a clear 4xx, and nothing is half-written. */
class BadInputTest {
  private static SkiffNode node;
  private static Api api;
  private static Path home;

  @BeforeAll
  static void start() throws Exception {
    home = TestNode.freshHome();
    node = TestNode.start(home);
    api = new Api(node.apiPort(), TestNode.TOKEN);
    DynoTest.deploy(api, node.apiPort(), Files.createTempDirectory("bad-input"), "target");
    api.post("/apps", "{\"name\":\"other\"}").expect(201);
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  private static int releases(String app) {
    return api.get("/apps/" + app + "/releases", "version ..; max=1, order=desc").body().get(0).path("version")
        .asInt();
  }

  @Test
  void aNulInAConfigValueIsRefused() {
    int before = releases("target");
    api.patch("/apps/target/config-vars", "{\"OK\":\"1\",\"BAD\":\"a\\u0000b\"}")
        .expectError(422, "invalid_params", "BAD has a NUL character");
    assertEquals(before, releases("target"));
    assertFalse(api.get("/apps/target/config-vars").body().has("OK"), "nothing of the patch was applied");
  }

  @Test
  void aCustomDomainUnderTheDefaultDomainIsRefused() {
    api.post("/apps/target/domains", "{\"hostname\":\"other.localhost\"}")
        .expectError(422, "invalid_params", "under localhost (SKIFF_DOMAIN)");
    api.post("/apps/target/domains", "{\"hostname\":\"localhost\"}").expectError(422, "invalid_params", "SKIFF_DOMAIN");
    assertEquals(1, api.get("/apps/target/domains").body().size(), "only the default domain");
  }

  @Test
  void aDomainCannotBeClaimedForAnAppThatDoesNotExist() {
    api.post("/apps/00000000-0000-0000-0000-000000000000/domains", "{\"hostname\":\"www.ghost.test\"}")
        .expectError(404, "not_found", "app");
    api.post("/apps/no-such-app/domains", "{\"hostname\":\"www.ghost.test\"}").expectError(404, "not_found", "app");
    api.post("/apps/other/domains", "{\"hostname\":\"www.ghost.test\"}").expect(201);
  }

  @Test
  void aOneOffOfAnUnknownSizeIsRefused() {
    api.post("/apps/target/dynos", "{\"command\":\"true\",\"size\":\"Gigantic\"}")
        .expectError(422, "invalid_params", "Unknown dyno size 'Gigantic'");
    JsonNode ok = api.post("/apps/target/dynos", "{\"command\":\"true\",\"size\":\"standard-2x\"}").expect(201).body();
    assertEquals("Standard-2X", ok.path("size").asText());
  }

  @Test
  void aOneOffThatCannotStartIsNotListedAsUp() throws Exception {
    String slugId = api.get("/apps/target/releases", "version ..; max=1, order=desc").body().get(0).path("slug")
        .path("id").asText();
    String checksum = api.get("/apps/target/slugs/" + slugId).body().path("checksum").asText();
    Path slug = home.resolve("slugs").resolve(checksum.substring("SHA256:".length()) + ".tgz");
    Path cache = home.resolve("slugcache");
    Path aside = Files.createTempDirectory("aside");
    Files.move(slug, aside.resolve("slug.tgz"));
    if (Files.exists(cache)) {
      Files.move(cache, aside.resolve("slugcache"));
    }
    try {
      Api.Answer failed = api.post("/apps/target/dynos", "{\"command\":\"sleep 30\"}");
      assertEquals(500, failed.status(), failed.raw().body());
      assertTrue(failed.body().path("message").asText().contains("could not start"), failed.raw().body());
      for (JsonNode d : api.get("/apps/target/dynos").body()) {
        assertFalse(d.path("type").asText().equals("run") && d.path("command").asText().equals("sleep 30"),
            "a one-off that never started is listed: " + d);
      }
    } finally {
      Files.move(aside.resolve("slug.tgz"), slug);
      if (Files.exists(aside.resolve("slugcache"))) {
        Files.move(aside.resolve("slugcache"), cache);
      }
    }
  }

  @Test
  void aSourceBlobOnThisMachineIsNotFetched() {
    for (String url : new String[] {"http://127.0.0.1:" + node.apiPort() + "/apps", "http://localhost:5432/",
        "http://169.254.169.254/latest/meta-data/", "http://[::1]:" + node.apiPort() + "/"}) {
      api.post("/apps/other/builds", "{\"source_blob\":{\"url\":\"" + url + "\"}}")
          .expectError(422, "invalid_params", "Skiff fetches sources only from other machines");
    }
    api.post("/apps/other/builds", "{\"source_blob\":{\"url\":\"file:///etc/passwd\"}}")
        .expectError(422, "invalid_params", "must be an http(s) URL");
    assertEquals(0, api.get("/apps/other/builds").body().size(), "no build was started");
  }

  @Test
  void runningOutOfDynoPortsIsThePlatformsFailureNotAnAppCrash() throws Exception {
    java.util.Map<String, String> env = TestNode.env(TestNode.freshHome());
    int port;
    try (java.net.ServerSocket probe = new java.net.ServerSocket(0)) {
      port = probe.getLocalPort();
    }
    env.put("SKIFF_DYNO_PORT_RANGE", port + "-" + port);
    try (SkiffNode small = TestNode.start(env)) {
      Api smallApi = new Api(small.apiPort(), TestNode.TOKEN);
      DynoTest.deploy(smallApi, small.apiPort(), Files.createTempDirectory("ports"), "crowded");
      DynoTest.awaitDyno(smallApi, "crowded", "web.1", d -> d.path("state").asText().equals("up"),
          java.time.Duration.ofSeconds(30));
      smallApi.patch("/apps/crowded/formation", "{\"updates\":[{\"type\":\"web\",\"quantity\":2}]}").expect(200);
      java.nio.file.Path cliHome = TestNode.freshHome();
      SkiffRun logs = null;
      for (int i = 0; i < 100; i++) {
        logs = SkiffRun.asAdmin(small, cliHome, "logs", "-n", "100", "-a", "crowded");
        if (logs.out().contains("heroku[web.2]: Error starting process")) {
          break;
        }
        Thread.sleep(100);
      }
      assertTrue(logs.out().contains("heroku[web.2]: Error starting process: no free port left in SKIFF_DYNO_PORT_RANGE")
          && logs.out().contains("the platform's failure, not the app's"), logs.out());
      JsonNode web2 = DynoTest.dyno(smallApi, "crowded", "web.2");
      assertEquals("starting", web2.path("state").asText(), web2.toString());
      assertTrue(web2.path("restart_at").isMissingNode() || web2.path("restart_at").isNull(), "no cooldown: " + web2);
      assertFalse(logs.out().contains("heroku[web.2]: State changed from up to crashed"), logs.out());
      assertFalse(logs.out().contains("Process exited with status 127"), logs.out());
    }
  }

  @Test
  void aChunkedBodyOverTheLimitIsRefusedAsOneWithALength() throws Exception {
    byte[] big = ("{\"BIG\":\"" + "x".repeat(3 << 20) + "\"}").getBytes(java.nio.charset.StandardCharsets.UTF_8);
    // an InputStream of unknown length: the client sends it chunked, with no Content-Length
    java.net.http.HttpResponse<String> answer = java.net.http.HttpClient.newHttpClient().send(
        java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + node.apiPort()
            + "/apps/other/config-vars")).header("Authorization", "Bearer " + TestNode.TOKEN)
            .header("Content-Type", "application/json")
            .method("PATCH", java.net.http.HttpRequest.BodyPublishers.ofInputStream(
                () -> new java.io.ByteArrayInputStream(big))).build(),
        java.net.http.HttpResponse.BodyHandlers.ofString());
    assertEquals(413, answer.statusCode(), answer.body());
    assertTrue(answer.body().contains("larger than 1 MB"), answer.body());
    assertFalse(api.get("/apps/other/config-vars").body().has("BIG"));
  }
}
