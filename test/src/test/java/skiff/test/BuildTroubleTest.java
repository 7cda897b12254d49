package skiff.test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import skiff.platform.node.SkiffNode;

/** Builds that cannot work, as a new user meets them: refused with the real reason, and kept for later reading. */
class BuildTroubleTest {
  private static SkiffNode node;
  private static Api api;
  private static Path home;
  private static Path work;

  @BeforeAll
  static void start() throws Exception {
    home = TestNode.freshHome();
    work = Files.createTempDirectory("skiff-build-trouble");
    node = TestNode.start(home);
    api = new Api(node.apiPort(), TestNode.TOKEN);
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  private static SkiffRun skiff(String... args) {
    return SkiffRun.asAdmin(node, home, args);
  }

  private static Git.Result push(String app, Git git) throws Exception {
    return git.pushTo(node.apiPort(), app);
  }

  private static Git goApp(String app) throws Exception {
    api.post("/apps", "{\"name\":\"" + app + "\"}").expect(201);
    return Git.init(work.resolve(app))
        .write("go.mod", "module example.com/hello\n\ngo 1.22\n")
        .write("main.go", "package main\n\nfunc main() {}\n");
  }

  @Test
  void aGoAppIsRefusedNamingGoAndItsBuildIsKeptWithWhy() throws Exception {
    Git git = goApp("go-app").write("Procfile", "web: bin/hello\n").commit("go");
    Git.Result pushed = push("go-app", git);
    assertNotEquals(0, pushed.status(), pushed.output());
    assertTrue(pushed.output().contains("This looks like a Go (go.mod) app")
        && pushed.output().contains("'bin/hello', which is not in the repository")
        && pushed.output().contains("BUILDPACK_URL"), pushed.output());
    assertEquals(1, api.get("/apps/go-app/releases").body().size(), "nothing was released");

    SkiffRun builds = skiff("builds", "-a", "go-app");
    assertEquals(0, builds.status(), builds.all());
    assertTrue(builds.out().lines().anyMatch(l -> l.contains("failed") && l.contains("admin@skiff.local")),
        builds.out());
    SkiffRun info = skiff("builds:info", "-a", "go-app");
    assertTrue(info.out().contains("Status:") && info.out().contains("failed")
        && info.out().contains("Failure:   detect: This looks like a Go"), info.out());
    SkiffRun output = skiff("builds:output", "-a", "go-app");
    assertEquals(0, output.status(), output.all());
    assertTrue(output.out().contains("This looks like a Go (go.mod) app"), output.out());
    String buildId = api.get("/apps/go-app/builds").body().get(0).path("id").asText();
    assertEquals(output.out(), skiff("builds:output", buildId, "-a", "go-app").out());

    SkiffRun logs = skiff("logs", "-n", "50", "-a", "go-app");
    assertTrue(logs.out().contains("app[api]: Build started by user admin@skiff.local")
        && logs.out().contains("app[api]: Build failed -- check your build output: skiff builds:output " + buildId)
        && logs.out().contains("heroku[build]: Build " + buildId + " failed at detect: This looks like a Go"),
        logs.out());

    // with nothing else to go on, the language is named too
    Git bare = goApp("go-bare").commit("no procfile");
    Git.Result refused = push("go-bare", bare);
    assertNotEquals(0, refused.status());
    assertTrue(refused.output().contains("This looks like a Go (go.mod) app, and Skiff has no built-in Go buildpack"),
        refused.output());
  }

  @Test
  void aGoAppWhoseProcfileRunsWhatIsCommittedDeploys() throws Exception {
    Git git = goApp("go-built").write("Procfile", "web: ./serve.sh\n")
        .write("serve.sh", "#!/bin/sh\nexec python3 -m http.server $PORT\n");
    work.resolve("go-built/serve.sh").toFile().setExecutable(true);
    git.commit("prebuilt");
    Git.Result pushed = push("go-built", git);
    assertEquals(0, pushed.status(), pushed.output());
    SkiffRun logs = skiff("logs", "-n", "50", "-a", "go-built");
    assertTrue(logs.out().contains("app[api]: Build succeeded"), logs.out());
  }

  @Test
  void aBuildpackPathInsideSkiffsDataIsRefusedSoNoAppBindsAnothersFiles() throws Exception {
    // another app's build cache is a directory an app could fill with bin/detect and bin/compile
    Path inside = home.resolve("cache").resolve("someone-elses-app");
    java.nio.file.Files.createDirectories(inside.resolve("bin"));
    for (String script : List.of("detect", "compile")) {
      java.nio.file.Files.writeString(inside.resolve("bin").resolve(script), "#!/bin/sh\necho stolen\n");
      inside.resolve("bin").resolve(script).toFile().setExecutable(true);
    }
    api.post("/apps", "{\"name\":\"nosy-pack\"}").expect(201);
    api.patch("/apps/nosy-pack/config-vars", "{\"BUILDPACK_URL\":\"" + inside + "\"}").expect(200);
    Git git = Git.init(work.resolve("nosy-pack")).write("Procfile", "web: true\n").commit("one");
    Git.Result pushed = push("nosy-pack", git);
    assertNotEquals(0, pushed.status(), pushed.output());
    assertTrue(pushed.output().contains("is inside Skiff's data directory"), pushed.output());
  }

  @Test
  void aBinaryProcfileOrOneWithTooManyTypesIsRefusedSayingSo() throws Exception {
    api.post("/apps", "{\"name\":\"odd-procfile\"}").expect(201);
    Git git = Git.init(work.resolve("odd-procfile"));
    Files.write(work.resolve("odd-procfile/Procfile"), new byte[] {(byte) 0x7f, 'E', 'L', 'F', 0, 1, 2, (byte) 0xff});
    git.commit("binary");
    Git.Result binary = push("odd-procfile", git);
    assertNotEquals(0, binary.status());
    assertTrue(binary.output().contains("The Procfile is not text"), binary.output());

    StringBuilder many = new StringBuilder();
    for (int i = 0; i < 101; i++) {
      many.append("t").append(i).append(": sleep 1\n");
    }
    git.write("Procfile", many.toString()).commit("many");
    Git.Result tooMany = push("odd-procfile", git);
    assertNotEquals(0, tooMany.status());
    assertTrue(tooMany.output().contains("more than 100 process types"), tooMany.output());
  }

  @Test
  void aFormationOfMoreThanAHundredDynosIsRefused() throws Exception {
    api.post("/apps", "{\"name\":\"big-formation\"}").expect(201);
    Git git = Git.init(work.resolve("big-formation"))
        .write("Procfile", "web: python3 -m http.server $PORT\na: sleep 9\nb: sleep 9\n").commit("types");
    assertEquals(0, push("big-formation", git).status());
    api.patch("/apps/big-formation/formation", "{\"updates\":[{\"type\":\"a\",\"quantity\":60},"
        + "{\"type\":\"b\",\"quantity\":60}]}").expectError(422, "invalid_params", "at most 100");
    JsonNode formation = api.get("/apps/big-formation/formation").body();
    for (JsonNode f : formation) {
      assertTrue(f.path("quantity").asInt() <= 1, "nothing was scaled: " + formation);
    }
  }

  @Test
  void aBuildpackThatCannotBeFetchedSaysWhy() throws Exception {
    api.post("/apps", "{\"name\":\"bad-pack\"}").expect(201);
    Git git = Git.init(work.resolve("bad-pack")).write("Procfile", "web: true\n").commit("app");
    api.patch("/apps/bad-pack/config-vars", "{\"BUILDPACK_URL\":\"http://127.0.0.1:9/no-pack.git\"}").expect(200);
    Git.Result refused = push("bad-pack", git);
    assertNotEquals(0, refused.status());
    assertTrue(refused.output().contains("Could not fetch buildpack http://127.0.0.1:9/no-pack.git")
        && refused.output().toLowerCase().contains("connection refused"), refused.output());

    api.patch("/apps/bad-pack/config-vars", "{\"BUILDPACK_URL\":\"file:///nowhere/pack.git\"}").expect(200);
    Git.Result missing = push("bad-pack", git);
    assertNotEquals(0, missing.status());
    assertTrue(missing.output().contains("Could not fetch buildpack file:///nowhere/pack.git")
        && !missing.output().contains("internal server error"), missing.output());
    SkiffRun info = skiff("builds:info", "-a", "bad-pack");
    assertTrue(info.out().contains("Could not fetch buildpack file:///nowhere/pack.git"), info.out());
  }

  @Test
  void aRequirementPipCannotFindSaysSoRatherThanGuessing() throws Exception {
    api.post("/apps", "{\"name\":\"py-missing\"}").expect(201);
    Git git = Git.init(work.resolve("py-missing")).write("requirements.txt", "no-such-package-for-skiff==1.0\n")
        .write("Procfile", "web: python3 -m http.server $PORT\n").commit("missing");
    Git.Result refused = push("py-missing", git);
    assertNotEquals(0, refused.status());
    assertTrue(refused.output().contains("a release matching a line of requirements.txt")
        || refused.output().contains("no release matching a line of requirements.txt"), refused.output());
    assertTrue(!refused.output().contains("is the package index reachable?"), refused.output());
  }
}
