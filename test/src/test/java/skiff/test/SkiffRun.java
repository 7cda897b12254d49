package skiff.test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import skiff.platform.cli.SkiffCli;

/** One run of the skiff CLI in this JVM, as a user types it: its exit status and what it printed. */
record SkiffRun(int status, String out, String err) {
  String all() {
    return out + err;
  }

  /** The CLI as the admin on the node's API, with {@code home} as HOME. */
  static SkiffRun asAdmin(skiff.platform.node.SkiffNode node, java.nio.file.Path home, String... args) {
    return of(Map.of("HOME", home.toString(), "SKIFF_HOST", "http://127.0.0.1:" + node.apiPort(), "SKIFF_API_KEY",
        TestNode.TOKEN), args);
  }

  /**
   * The CLI in a process of its own, fed {@code stdin} (then closed): for commands that attach to
   * a terminal ({@code run}), whose input must not be this JVM's.
   */
  static SkiffRun process(Map<String, String> env, String stdin, String... args) throws Exception {
    ProcessBuilder b = new ProcessBuilder(ServerProcess.javaCommand(args)).redirectErrorStream(false);
    b.environment().putAll(env);
    Process p = b.start();
    try (java.io.OutputStream in = p.getOutputStream()) {
      in.write(stdin.getBytes(StandardCharsets.UTF_8));
    }
    java.util.concurrent.CompletableFuture<String> err = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
      try {
        return new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
      } catch (java.io.IOException e) {
        return e.toString();
      }
    });
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("skiff " + String.join(" ", args) + " did not end within 60 s: " + out);
    }
    return new SkiffRun(p.exitValue(), out, err.get());
  }

  static SkiffRun of(Map<String, String> env, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int status = new SkiffCli(env, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8)).run(args);
    return new SkiffRun(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }
}
