package skiff.test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import skiff.platform.node.SkiffNode;

/**
 * As a new user: {@code skiff login}, {@code apps:create} inside a repository, then a plain
 * {@code git push skiff main}, with no token in the URL, over HTTP and over HTTPS.
 */
class GitRemoteTest {
  private static Path home;
  private static SkiffNode node;

  @BeforeAll
  static void start() throws Exception {
    home = TestNode.freshHome();
    node = TestNode.start(home);
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  /** A user's machine: its own HOME (git identity, ~/.netrc), talking to the API at {@code base}. */
  private static Map<String, String> user(String base) throws Exception {
    Path userHome = Files.createTempDirectory("skiff-user");
    Files.writeString(userHome.resolve(".gitconfig"),
        "[user]\n  name = New User\n  email = new@example.com\n[init]\n  defaultBranch = main\n");
    Map<String, String> env = new HashMap<>();
    env.put("HOME", userHome.toString());
    env.put("SKIFF_HOST", base);
    env.put("SKIFF_CA_FILE", home.resolve("tls/ca.pem").toString());
    return env;
  }

  private static SkiffRun run(Path dir, Map<String, String> env, List<String> command) throws Exception {
    ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile());
    builder.environment().putAll(env);
    builder.environment().put("GIT_TERMINAL_PROMPT", "0");
    builder.environment().put("GIT_CONFIG_NOSYSTEM", "1");
    builder.environment().remove("GIT_SSL_CAINFO");
    builder.environment().remove("SKIFF_API_KEY");
    builder.environment().remove("HEROKU_API_KEY");
    // stderr (a push's remote output) goes to a file, so neither pipe can fill up and stall the other
    Path errFile = Files.createTempFile("skiff-err", ".txt");
    builder.redirectError(errFile.toFile());
    Process p = builder.start();
    byte[] out = p.getInputStream().readAllBytes();
    assertTrue(p.waitFor(5, TimeUnit.MINUTES));
    return new SkiffRun(p.exitValue(), new String(out, StandardCharsets.UTF_8), Files.readString(errFile));
  }

  private static SkiffRun git(Path dir, Map<String, String> env, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("git"));
    command.addAll(List.of(args));
    return run(dir, env, command);
  }

  private static SkiffRun skiff(Path dir, Map<String, String> env, String... args) throws Exception {
    return run(dir, env, ServerProcess.javaCommand(args));
  }

  private static void pushesWithoutATokenInTheUrl(String base, String app) throws Exception {
    Map<String, String> env = user(base);
    SkiffRun login = SkiffRun.of(env, "login", "--token", TestNode.TOKEN);
    assertEquals(0, login.status(), login.all());
    Path repo = Files.createDirectories(Path.of(env.get("HOME")).resolve(app));
    assertEquals(0, git(repo, env, "init", "-q").status());
    Files.writeString(repo.resolve("Procfile"), "web: python3 -m http.server $PORT\n");
    Files.writeString(repo.resolve("requirements.txt"), "");
    assertEquals(0, git(repo, env, "add", "-A").status());
    assertEquals(0, git(repo, env, "commit", "-qm", "first").status());

    SkiffRun created = skiff(repo, env, "apps:create", app);
    assertEquals(0, created.status(), created.all());
    assertTrue(created.out().contains("Git remote skiff added: " + base + "/" + app + ".git"), created.all());
    assertEquals(base + "/" + app + ".git", git(repo, env, "remote", "get-url", "skiff").out().strip());

    SkiffRun pushed = git(repo, env, "push", "skiff", "main");
    assertEquals(0, pushed.status(), pushed.all());
    assertTrue(pushed.all().contains("Released v2"), pushed.all());

    // logged out, git is told why instead of prompting for a user name
    assertEquals(0, SkiffRun.of(env, "logout").status());
    Files.writeString(repo.resolve("more.txt"), "x\n");
    git(repo, env, "add", "-A");
    git(repo, env, "commit", "-qm", "second");
    SkiffRun refused = git(repo, env, "push", "skiff", "main");
    assertNotEquals(0, refused.status());
    assertTrue(refused.all().contains("not logged in to"), refused.all());
  }

  @Test
  void gitPushToTheRemoteAppsCreateAddedWorksOverHttp() throws Exception {
    pushesWithoutATokenInTheUrl("http://127.0.0.1:" + node.apiPort(), "plain-remote");
  }

  @Test
  void gitPushToTheRemoteAppsCreateAddedWorksOverHttps() throws Exception {
    pushesWithoutATokenInTheUrl("https://127.0.0.1:" + node.apiTlsPort(), "tls-remote");
  }
}
