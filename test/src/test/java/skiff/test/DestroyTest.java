package skiff.test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import skiff.platform.node.SkiffNode;

/** apps:destroy takes the app off the disk too: repository, build cache, build logs, dyno directories. */
class DestroyTest {

  @Test
  void aDestroyedAppLeavesNothingOnDisk() throws Exception {
    Path home = TestNode.freshHome();
    Map<String, String> env = TestNode.env(home);
    env.put("SKIFF_SIGTERM_GRACE", "2s");
    try (SkiffNode node = TestNode.start(env)) {
      Api api = new Api(node.apiPort(), TestNode.TOKEN);
      String id = api.post("/apps", "{\"name\":\"ephemeral\"}").expect(201).body().path("id").asText();
      Git git = Git.init(home.resolve("work").resolve("ephemeral"));
      git.write("web.py", DynoApp.WEB).write("Procfile", "web: python3 web.py\n").write("requirements.txt", "")
          .commit("first");
      assertEquals(0, git.pushTo(node.apiPort(), "ephemeral").status());
      DynoTest.awaitDyno(api, "ephemeral", "web.1", d -> d.path("state").asText().equals("up"), Duration.ofSeconds(30));
      String build = api.get("/apps/ephemeral/builds").body().get(0).path("id").asText();
      Path repo = home.resolve("repos").resolve(id + ".git");
      Path cache = home.resolve("cache").resolve(id);
      Path log = home.resolve("builds").resolve(build + ".log");
      Path dynos = home.resolve("dynos").resolve(id);
      for (Path p : new Path[] {repo, cache, log, dynos}) {
        assertTrue(Files.exists(p), p + " exists while the app does");
      }

      api.delete("/apps/ephemeral").expect(200);
      long deadline = System.nanoTime() + Duration.ofSeconds(3).toNanos();
      while ((Files.exists(repo) || Files.exists(cache) || Files.exists(log)) && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      assertFalse(Files.exists(repo) || Files.exists(cache) || Files.exists(log), "repository, cache and log go at once");
      deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (Files.exists(dynos) && System.nanoTime() < deadline) {
        Thread.sleep(200);
      }
      assertFalse(Files.exists(dynos), "the dyno directories once the dynos had their grace to stop");
    }
  }
}
