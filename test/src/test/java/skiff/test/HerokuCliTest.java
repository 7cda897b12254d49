package skiff.test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
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
 * The official heroku CLI (pinned 11.10.0, installed with npm into a cache folder) against a real
 * node, with a scratch HOME and the environment that keeps it from calling anything but Skiff.
 */
class HerokuCliTest {
  private static final String VERSION = "11.10.0";
  private static final java.util.concurrent.atomic.AtomicInteger REQUESTS_SEEN =
      new java.util.concurrent.atomic.AtomicInteger();
  private static SkiffNode node;
  private static Path cli;
  private static Path home;
  private static Path repo;

  @BeforeAll
  static void start() throws Exception {
    cli = install();
    home = Files.createTempDirectory("heroku-home");
    node = TestNode.start(TestNode.freshHome());
    repo = Files.createTempDirectory("heroku-repo").resolve("cli-app");
    Git git = Git.init(repo);
    git.write("web.py", DynoApp.WEB).write("requirements.txt", "").write("Procfile", "web: python3 web.py\n")
        .commit("for the heroku cli");
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  /** npm install heroku@VERSION into ~/.cache/skiff, once per machine. */
  private static Path install() throws Exception {
    Path dir = Path.of(System.getProperty("user.home"), ".cache", "skiff", "heroku-cli-" + VERSION);
    Path bin = dir.resolve("node_modules/.bin/heroku");
    if (!Files.isExecutable(bin)) {
      Files.createDirectories(dir);
      Process npm = new ProcessBuilder("npm", "install", "--no-audit", "--no-fund", "--prefix", dir.toString(),
          "heroku@" + VERSION).redirectErrorStream(true).start();
      String out = new String(npm.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertTrue(npm.waitFor(10, TimeUnit.MINUTES) && npm.exitValue() == 0, "npm install heroku failed: " + out);
    }
    return bin;
  }

  record Run(int status, String out, String err) {
    String all() {
      return out + err;
    }
  }

  private static Map<String, String> env() {
    Map<String, String> env = new HashMap<>();
    env.put("HOME", home.toString());
    env.put("PATH", cli.getParent() + ":" + System.getenv("PATH"));
    env.put("HEROKU_HOST", "http://127.0.0.1:" + node.apiPort());
    env.put("HEROKU_API_KEY", TestNode.TOKEN);
    env.put("HEROKU_PARTICLEBOARD_URL", "http://127.0.0.1:" + node.apiPort());
    env.put("HEROKU_GIT_HOST", "127.0.0.1:" + node.apiTlsPort());
    env.put("DISABLE_TELEMETRY", "true");
    env.put("HEROKU_SKIP_NEW_VERSION_CHECK", "true");
    env.put("HEROKU_DISABLE_AUTOUPDATE", "true");
    env.put("NODE_EXTRA_CA_CERTS", node.caPem().toString());
    env.put("GIT_SSL_CAINFO", node.caPem().toString());
    env.put("GIT_TERMINAL_PROMPT", "0");
    env.put("HEROKU_DEBUG", "1");
    return env;
  }

  private static Run ok2(Path dir, String... args) throws Exception {
    Run r = exec(dir, prepend(cli.toString(), args));
    assertEquals(0, r.status(), String.join(" ", args) + ":\n" + r.all());
    return r;
  }

  /** `logs --tail` runs until stopped: read what it prints for a few seconds, then stop it. */
  private static Run tailFor(String app) throws Exception {
    ProcessBuilder b = new ProcessBuilder(cli.toString(), "logs", "--tail", "-a", app).directory(repo.toFile());
    b.environment().putAll(env());
    b.environment().remove("HEROKU_DEBUG");
    b.redirectErrorStream(true);
    Process p = b.start();
    StringBuilder seen = new StringBuilder();
    Thread reader = new Thread(() -> {
      try (var in = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream(),
          StandardCharsets.UTF_8))) {
        for (String l; (l = in.readLine()) != null; ) {
          synchronized (seen) {
            seen.append(l).append('\n');
          }
        }
      } catch (IOException ignored) {
        // stopped
      }
    });
    reader.start();
    Thread.sleep(3000);
    RouterTest.through(node.routerPort(), app, "/", Map.of());
    Thread.sleep(2000);
    boolean stillTailing = p.isAlive();
    p.destroy();
    p.waitFor(10, TimeUnit.SECONDS);
    assertTrue(stillTailing, "--tail keeps the stream open");
    synchronized (seen) {
      return new Run(0, seen.toString(), "");
    }
  }

  /**
   * `login -i` in a pseudo-terminal (email, then the password: for the bootstrap admin, its token),
   * which makes a new authorization; whoami from .netrc; logout, which revokes that authorization.
   */
  private static void loginAndLogout() throws Exception {
    Map<String, String> env = env();
    env.remove("HEROKU_API_KEY");
    env.remove("HEROKU_DEBUG");
    ProcessBuilder b = new ProcessBuilder("script", "-qfec", cli + " login -i", "/dev/null").directory(repo.toFile());
    b.environment().putAll(env);
    b.environment().remove("HEROKU_API_KEY");
    b.redirectErrorStream(true);
    Process p = b.start();
    try (OutputStream in = p.getOutputStream()) {
      Thread.sleep(5000);
      in.write("admin@skiff.local\r".getBytes(StandardCharsets.UTF_8));
      in.flush();
      Thread.sleep(2000);
      in.write((TestNode.TOKEN + "\r").getBytes(StandardCharsets.UTF_8));
      in.flush();
      Thread.sleep(5000);
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(30, TimeUnit.SECONDS));
    assertTrue(out.contains("Logged in as"), out);
    String netrc = Files.readString(home.resolve(".netrc"));
    java.util.regex.Matcher saved = java.util.regex.Pattern.compile("password (skiff-\\S+)").matcher(netrc);
    assertTrue(netrc.contains("machine 127.0.0.1:" + node.apiPort()) && saved.find(), "a new token: " + netrc);
    String loginToken = saved.group(1);
    ProcessBuilder whoami = new ProcessBuilder(cli.toString(), "auth:whoami").directory(repo.toFile());
    whoami.environment().putAll(env);
    whoami.environment().remove("HEROKU_API_KEY");
    Process w = whoami.start();
    assertEquals("admin@skiff.local", new String(w.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip());
    ProcessBuilder logout = new ProcessBuilder(cli.toString(), "logout").directory(repo.toFile());
    logout.environment().putAll(env);
    logout.environment().remove("HEROKU_API_KEY");
    Process l = logout.start();
    l.getInputStream().readAllBytes();
    assertTrue(l.waitFor(60, TimeUnit.SECONDS));
    assertEquals(0, l.exitValue());
    assertTrue(!Files.exists(home.resolve(".netrc")) || !Files.readString(home.resolve(".netrc")).contains(loginToken),
        "logout removed the token");
    assertEquals(401, new Api(node.apiPort(), loginToken).get("/account").status(), "and revoked it");
  }

  private static Run heroku(String... args) throws Exception {
    return exec(repo, prepend(cli.toString(), args));
  }

  private static String[] prepend(String first, String[] rest) {
    String[] all = new String[rest.length + 1];
    all[0] = first;
    System.arraycopy(rest, 0, all, 1, rest.length);
    return all;
  }

  private static Run exec(Path dir, String... command) throws IOException, InterruptedException {
    ProcessBuilder b = new ProcessBuilder(command).directory(dir.toFile());
    b.environment().remove("GIT_SSL_CAINFO");
    b.environment().remove("NODE_EXTRA_CA_CERTS");
    b.environment().putAll(env());
    b.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    Process p = b.start();
    java.util.concurrent.CompletableFuture<byte[]> errBytes = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
      try {
        return p.getErrorStream().readAllBytes();
      } catch (IOException e) {
        return new byte[0];
      }
    });
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(2, TimeUnit.MINUTES), "heroku " + String.join(" ", command) + " hung");
    return new Run(p.exitValue(), out, new String(errBytes.join(), StandardCharsets.UTF_8));
  }

  private static Run ok(String... args) throws Exception {
    Run r = heroku(args);
    assertEquals(0, r.status(), "heroku " + String.join(" ", args) + " failed:\n" + r.all());
    List<String> elsewhere = new ArrayList<>();
    // HEROKU_DEBUG prints every request as "http → METHOD URL"; all of them must go to this node
    List<String> requests = r.all().lines().filter(l -> l.contains(" http → ")).toList();
    requests.stream().filter(l -> !l.contains("://127.0.0.1")).forEach(elsewhere::add);
    REQUESTS_SEEN.addAndGet(requests.size());
    assertTrue(elsewhere.isEmpty(), "the CLI reached beyond Skiff: " + elsewhere);
    return r;
  }

  @Test
  void theCommandsUsersKnowWorkAgainstSkiff() throws Exception {
    assertTrue(ok("apps:create", "cli-app").all().contains("Creating cli-app... done"));
    Run remote = exec(repo, "git", "remote", "get-url", "heroku");
    assertEquals("https://127.0.0.1:" + node.apiTlsPort() + "/cli-app.git", remote.out().strip());

    Run push = exec(repo, "git", "push", "heroku", "main");
    assertEquals(0, push.status(), "git push heroku main through the CLI's credential helper:\n" + push.all());
    assertTrue(push.all().contains("Released v2"), push.all());

    assertTrue(ok("apps").out().contains("cli-app"));
    assertTrue(ok("apps:info", "-a", "cli-app").out().contains("cli-app"));
    assertTrue(ok("config:set", "FOO=bar", "-a", "cli-app").all().contains("done, v3"));
    assertEquals("bar", ok("config:get", "FOO", "-a", "cli-app").out().strip());
    assertTrue(ok("config", "-a", "cli-app").out().contains("FOO: bar"));
    assertTrue(ok("config:unset", "FOO", "-a", "cli-app").all().contains("done, v4"));
    assertTrue(ok("releases", "-a", "cli-app").out().contains("Remove FOO config vars"));
    assertTrue(ok("releases:info", "v3", "-a", "cli-app").all().contains("Set FOO config vars"));
    assertTrue(ok("releases:rollback", "v3", "-a", "cli-app").all().contains("done, v5"));
    assertTrue(ok("releases:rollback", "-a", "cli-app").all().contains("done, v6"));

    assertTrue(ok("ps:scale", "web=2", "-a", "cli-app").all().contains("web at 2"));
    DynoTest.awaitDyno(new Api(node.apiPort(), TestNode.TOKEN), "cli-app", "web.2",
        d -> d.path("state").asText().equals("up"), java.time.Duration.ofSeconds(30));
    assertTrue(ok("ps", "-a", "cli-app").out().contains("web.2: up"));
    ok("ps:restart", "-a", "cli-app");
    ok("ps:restart", "web.1", "-a", "cli-app");
    ok("ps:stop", "web.2", "-a", "cli-app");

    assertTrue(ok("logs", "-a", "cli-app", "-n", "50").out().contains("app[api]"), "logs");
    assertTrue(ok("logs", "-a", "cli-app", "--source", "heroku", "--dyno", "web.1").out().contains("heroku[web.1]"));

    Run run = ok("run", "-a", "cli-app", "--", "python3", "-c", "import os;print(os.environ['DYNO'])");
    assertTrue(run.out().matches("(?s).*run\\.\\d+.*"), run.all());
    Run exit = heroku("run", "-x", "-a", "cli-app", "--", "sh", "-c", "exit 3");
    assertEquals(3, exit.status(), exit.all());
    assertTrue(ok("run:detached", "-a", "cli-app", "--", "echo", "hi").all().contains("run."));

    String stacks = ok("stack", "-a", "cli-app").out();
    assertTrue(stacks.contains("debian-12") && !stacks.contains("cedar"), "not shown as cedar-10: " + stacks);
    assertTrue(ok("domains", "-a", "cli-app").out().contains("cli-app.localhost"));
    ok("domains:add", "www.cli-app.test", "-a", "cli-app");
    ok("domains:remove", "www.cli-app.test", "-a", "cli-app");
    assertTrue(ok("access", "-a", "cli-app").out().contains("owner"));
    new Api(node.apiPort(), TestNode.TOKEN).post("/accounts",
        "{\"email\":\"pal@example.com\",\"password\":\"pal-password-1\"}").expect(201);
    ok("access:add", "pal@example.com", "-a", "cli-app");
    assertTrue(ok("access", "-a", "cli-app").out().contains("pal@example.com"));
    ok("access:remove", "pal@example.com", "-a", "cli-app");
    // a team app, as the CLI sees one: owned by TEAM@herokumanager.com, access with permissions
    Api admin = new Api(node.apiPort(), TestNode.TOKEN);
    admin.post("/teams", "{\"name\":\"cli-team\"}").expect(201);
    admin.send("PUT", "/teams/cli-team/members", "{\"email\":\"pal@example.com\",\"role\":\"member\"}", null)
        .expect(200);
    admin.post("/teams/apps", "{\"name\":\"cli-team-app\",\"team\":\"cli-team\"}").expect(201);
    ok("access:add", "pal@example.com", "-a", "cli-team-app", "--permissions", "deploy");
    String access = ok("access", "-a", "cli-team-app").out();
    assertTrue(access.lines().anyMatch(l -> l.contains("pal@example.com") && l.contains("deploy")), access);
    ok("access:update", "pal@example.com", "-a", "cli-team-app", "--permissions", "operate");
    String updated = ok("access", "-a", "cli-team-app").out();
    assertTrue(updated.lines().anyMatch(l -> l.contains("pal@example.com") && l.contains("operate")
        && !l.contains("deploy")), updated);
    ok("access:remove", "pal@example.com", "-a", "cli-team-app");
    com.fasterxml.jackson.databind.JsonNode made = Api.JSON.readTree(
        ok("authorizations:create", "-d", "for CI", "--json").out());
    assertTrue(made.path("access_token").path("token").asText().startsWith("skiff-"), made.toString());
    assertTrue(ok("authorizations").out().contains("for CI"));
    ok("authorizations:revoke", made.path("id").asText());
    assertFalse(ok("authorizations").out().contains("for CI"), "revoked");
    ok("maintenance:on", "-a", "cli-app");
    assertEquals("on", ok("maintenance", "-a", "cli-app").out().strip());
    ok("maintenance:off", "-a", "cli-app");
    assertEquals("admin@skiff.local", ok("auth:whoami").out().strip());
    assertEquals(TestNode.TOKEN, ok("auth:token").out().strip());
    ok("stack:set", "debian-12", "-a", "cli-app");
    Run unknown = heroku("stack:set", "heroku-24", "-a", "cli-app");
    assertTrue(unknown.status() != 0 && unknown.all().contains("debian-12"), unknown.all());
    Run tail = tailFor("cli-app");
    assertTrue(tail.out().contains("heroku[router]") || tail.out().contains("app[api]"), tail.all());
    Path other = Files.createTempDirectory("heroku-remote");
    assertEquals(0, exec(other, "git", "init", "-q").status());
    ok2(other, "git:remote", "-a", "cli-app");
    assertEquals("https://127.0.0.1:" + node.apiTlsPort() + "/cli-app.git",
        exec(other, "git", "remote", "get-url", "heroku").out().strip());
    loginAndLogout();
    ok("apps:rename", "cli-app-two", "-a", "cli-app");
    ok("apps:destroy", "-a", "cli-app-two", "--confirm", "cli-app-two");
    assertFalse(ok("apps").out().contains("cli-app-two"));
    assertTrue(REQUESTS_SEEN.get() > 40, "the debug output showed the requests: " + REQUESTS_SEEN.get());
  }
}
