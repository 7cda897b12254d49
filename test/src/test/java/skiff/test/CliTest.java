package skiff.test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import skiff.platform.node.SkiffNode;

/** The skiff CLI against a real node: Heroku's commands, wording and exit codes. */
class CliTest {
  private static SkiffNode node;
  private static Path home;

  @BeforeAll
  static void start() throws Exception {
    home = TestNode.freshHome();
    node = TestNode.start(home);
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  private static Map<String, String> env(boolean withKey) {
    Map<String, String> env = new HashMap<>();
    env.put("HOME", home.toString());
    env.put("SKIFF_HOST", "http://127.0.0.1:" + node.apiPort());
    if (withKey) {
      env.put("SKIFF_API_KEY", TestNode.TOKEN);
    }
    return env;
  }

  private static SkiffRun skiff(String... args) {
    return skiffWith(env(true), args);
  }

  private static SkiffRun skiffWith(Map<String, String> env, String... args) {
    return SkiffRun.of(env, args);
  }

  @Test
  void theHerokuFlowFromCreateToRollback() throws Exception {
    SkiffRun created = skiff("apps:create", "cli-flow", "--no-remote");
    assertEquals(0, created.status(), created.all());
    assertTrue(created.err().contains("Creating cli-flow... done, ⬢ cli-flow"), created.all());
    assertTrue(created.out().contains("http://cli-flow.localhost:"), created.out());

    SkiffRun set = skiff("config:set", "A=1", "B=2", "-a", "cli-flow");
    assertEquals(0, set.status(), set.all());
    assertTrue(set.err().contains("Setting A, B and restarting ⬢ cli-flow... done, v2"), set.all());
    assertTrue(set.out().contains("A: 1") && set.out().contains("B: 2"), set.out());

    SkiffRun unset = skiff("config:unset", "A", "-a", "cli-flow");
    assertTrue(unset.err().contains("Unsetting A and restarting ⬢ cli-flow... done, v3"), unset.all());

    SkiffRun rollback = skiff("rollback", "v2", "-a", "cli-flow");
    assertEquals(0, rollback.status(), rollback.all());
    assertTrue(rollback.err().contains("Rolling back ⬢ cli-flow to v2... done, v4"), rollback.all());

    SkiffRun releases = skiff("releases", "-a", "cli-flow");
    List<String> lines = releases.out().lines().toList();
    assertEquals("=== cli-flow Releases - Current: v4", lines.get(0));
    assertTrue(lines.get(1).matches("v4 +Rollback to v2 +admin@skiff\\.local +\\d{4}/.*"), lines.get(1));
    assertTrue(lines.get(2).startsWith("v3    Remove A config vars"), lines.get(2));
    assertTrue(lines.get(3).startsWith("v2    Set A, B config vars"), lines.get(3));
    assertTrue(lines.get(4).startsWith("v1    Initial release"), lines.get(4));

    SkiffRun config = skiff("config", "-a", "cli-flow");
    assertEquals("=== cli-flow Config Vars\nA: 1\nB: 2\n", config.out());
    assertEquals("1\n", skiff("config:get", "A", "-a", "cli-flow").out());
    SkiffRun info = skiff("releases:info", "v3", "-a", "cli-flow");
    assertTrue(info.out().contains("Change:  Remove A config vars"), info.out());
    SkiffRun json = skiff("releases", "-a", "cli-flow", "--json");
    assertEquals(4, Api.JSON.readTree(json.out()).size(), json.out());

    assertEquals("* debian-12\n", skiff("stacks").out());
    SkiffRun nodes = skiff("nodes");
    assertTrue(nodes.out().startsWith("=== Nodes\n") && nodes.out().contains("up") && nodes.out().contains("(this node)"),
        nodes.all());
    SkiffRun stackSet = skiff("stack:set", "debian-12", "-a", "cli-flow");
    assertTrue(stackSet.out().contains("will use debian-12"), stackSet.all());
    assertTrue(skiff("stack", "-a", "cli-flow").out().contains("* debian-12"));
    SkiffRun noSuchStack = skiff("stack:set", "heroku-24", "-a", "cli-flow");
    assertEquals(2, noSuchStack.status(), noSuchStack.all());
    assertTrue(noSuchStack.err().contains("Skiff offers debian-12"), noSuchStack.err());
  }

  @Test
  void mistakesGetClearMessagesAndNonZeroExits() {
    SkiffRun missing = skiff("config", "-a", "no-such-app");
    assertEquals(2, missing.status());
    assertTrue(missing.err().contains("Couldn't find that app.") && missing.err().contains("Error ID: not_found"),
        missing.err());
    SkiffRun badName = skiff("apps:create", "Not_Valid", "--no-remote");
    assertEquals(2, badName.status());
    assertTrue(badName.err().contains("is invalid"), badName.err());
    SkiffRun typo = skiff("confg");
    assertEquals(127, typo.status());
    assertTrue(typo.err().contains("Perhaps you meant config?"), typo.err());
    SkiffRun badPair = skiff("config:set", "JUSTAKEY", "-a", "x");
    assertEquals(1, badPair.status());
    assertTrue(badPair.err().contains("is not KEY=VALUE"), badPair.err());
    SkiffRun noFormation = skiff("ps:scale", "web=2", "-a", createApp("cli-scale"));
    assertEquals(2, noFormation.status());
    assertTrue(noFormation.err().contains("Scaling dynos... !"), noFormation.err());
    assertTrue(noFormation.err().contains("process type (web)"), noFormation.err());
    SkiffRun noToken = skiffWith(env(false), "apps");
    assertEquals(1, noToken.status());
    assertTrue(noToken.err().contains("skiff login"), noToken.err());
    SkiffRun destroyUnconfirmed = skiff("apps:destroy", "-a", "cli-scale");
    assertEquals(1, destroyUnconfirmed.status());
    assertTrue(destroyUnconfirmed.err().contains("--confirm cli-scale"), destroyUnconfirmed.err());
    assertEquals(0, skiff("apps:destroy", "-a", "cli-scale", "--confirm", "cli-scale").status());
  }

  private static String createApp(String name) {
    assertEquals(0, skiff("apps:create", name, "--no-remote").status());
    return name;
  }

  @Test
  void loginStoresTheTokenInNetrcForTheApiHost() throws Exception {
    Map<String, String> env = env(false);
    SkiffRun login = skiffWith(env, "login", "--token", TestNode.TOKEN);
    assertEquals(0, login.status(), login.all());
    String netrc = Files.readString(home.resolve(".netrc"));
    assertTrue(netrc.contains("machine 127.0.0.1:" + node.apiPort()), netrc);
    assertTrue(netrc.contains("password " + TestNode.TOKEN), netrc);
    assertEquals("admin@skiff.local\n", skiffWith(env, "auth:whoami").out());
    SkiffRun wrong = skiffWith(env, "login", "--token", "nope");
    assertEquals(2, wrong.status());
    assertTrue(Files.readString(home.resolve(".netrc")).contains(TestNode.TOKEN), "a failed login keeps the old token");
  }

  @Test
  void asItsOwnProcessTheCliFindsTheAppFromTheGitRemote() throws Exception {
    Path repo = Files.createTempDirectory("skiff-cli-repo");
    assertEquals(0, new ProcessBuilder("git", "init", "-q").directory(repo.toFile()).start().waitFor());
    SkiffRun created = process(repo, "apps:create", "from-git");
    assertEquals(0, created.status(), created.all());
    assertTrue(created.out().contains("Git remote skiff added"), created.all());
    assertEquals(0, process(repo, "config:set", "WHERE=git-remote").status());
    SkiffRun config = process(repo, "config");
    assertTrue(config.out().contains("WHERE: git-remote"), config.all());
    SkiffRun outside = process(Files.createTempDirectory("no-repo"), "config");
    assertEquals(1, outside.status());
    assertTrue(outside.err().contains("No app specified"), outside.err());
  }

  private static SkiffRun process(Path dir, String... args) throws Exception {
    ProcessBuilder builder = new ProcessBuilder(ServerProcess.javaCommand(args)).directory(dir.toFile());
    builder.environment().putAll(env(true));
    Process p = builder.start();
    byte[] out = p.getInputStream().readAllBytes();
    byte[] err = p.getErrorStream().readAllBytes();
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    return new SkiffRun(p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
  }
}
