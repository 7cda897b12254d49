package skiff.test;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The real git command in a scratch repository, with no prompts and no user config of its own. */
public final class Git {
  public record Result(int status, String output) {
    /** The last {@code n} lines git printed, where a rejected push says why. */
    String tail(int n) {
      List<String> lines = output.lines().toList();
      return String.join("\n", lines.subList(Math.max(0, lines.size() - n), lines.size()));
    }
  }

  final Path dir;
  private final Path home;

  Git(Path dir) throws IOException {
    this.dir = Files.createDirectories(dir);
    this.home = Files.createTempDirectory("git-home");
    Files.writeString(home.resolve(".gitconfig"),
        "[user]\n  name = Test Pusher\n  email = pusher@example.com\n[init]\n  defaultBranch = main\n");
  }

  public static Git init(Path dir) throws Exception {
    Git git = new Git(dir);
    assertEquals(0, git.run("init", "-q", "-b", "main").status());
    return git;
  }

  public Git write(String file, String content) throws IOException {
    Path path = dir.resolve(file);
    Files.createDirectories(path.getParent());
    Files.writeString(path, content);
    return this;
  }

  public Git commit(String message) throws Exception {
    assertEquals(0, run("add", "-A").status());
    Result r = run("commit", "-q", "-m", message);
    assertEquals(0, r.status(), r.output());
    return this;
  }

  /** {@code git push} of main to the app on a test node's API, the admin token as the password. */
  public Result pushTo(int apiPort, String app) throws Exception {
    return pushTo(apiPort, app, TestNode.TOKEN);
  }

  /** The same with another account's token. */
  public Result pushTo(int apiPort, String app, String token) throws Exception {
    return run("push", remote(apiPort, app, token), "main");
  }

  public static String remote(int apiPort, String app, String token) {
    return "http://h:" + token + "@127.0.0.1:" + apiPort + "/" + app + ".git";
  }

  String head() throws Exception {
    return run("rev-parse", "HEAD").output().strip();
  }

  public Result run(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("git"));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
    builder.environment().put("HOME", home.toString());
    builder.environment().put("GIT_TERMINAL_PROMPT", "0");
    builder.environment().put("GIT_CONFIG_NOSYSTEM", "1");
    // a CA bundle set in the environment would override the http.sslCAInfo a test passes
    builder.environment().remove("GIT_SSL_CAINFO");
    Process p = builder.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(10, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new AssertionError("git " + String.join(" ", args) + " did not finish: " + out);
    }
    return new Result(p.exitValue(), out);
  }
}
