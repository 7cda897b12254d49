package skiff.test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** {@code skiff server} in a JVM of its own, so a test can kill -9 it like a crashed machine. */
final class ServerProcess implements AutoCloseable {
  private static final Pattern API = Pattern.compile("skiff: API +http://127\\.0\\.0\\.1:(\\d+)");
  private static final Pattern ROUTER = Pattern.compile("skiff: router +http://APP\\.[^:]+:(\\d+)");

  final Process process;
  final List<String> output = new ArrayList<>();
  int apiPort;
  int routerPort;

  private ServerProcess(Process process) {
    this.process = process;
  }

  static ServerProcess start(Map<String, String> env) throws IOException, InterruptedException {
    ProcessBuilder builder = new ProcessBuilder(javaCommand("server")).redirectErrorStream(true);
    builder.environment().putAll(env);
    ServerProcess server = new ServerProcess(builder.start());
    BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    Thread reader = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(server.process.getInputStream(),
          StandardCharsets.UTF_8))) {
        for (String line; (line = in.readLine()) != null; ) {
          lines.add(line);
        }
      } catch (IOException ignored) {
        // the process went away
      }
      lines.add("<exit>");
    });
    reader.setDaemon(true);
    reader.start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      String line = lines.poll(1, TimeUnit.SECONDS);
      if (line == null) {
        continue;
      }
      server.output.add(line);
      Matcher m = API.matcher(line);
      if (m.find()) {
        server.apiPort = Integer.parseInt(m.group(1));
      }
      Matcher router = ROUTER.matcher(line);
      if (router.find()) {
        server.routerPort = Integer.parseInt(router.group(1));
      }
      if (line.startsWith("skiff: ready") || line.equals("<exit>")) {
        return server;
      }
    }
    server.close();
    throw new AssertionError("server did not start: " + server.output);
  }

  static List<String> javaCommand(String... args) {
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), "skiff.platform.Main"));
    command.addAll(List.of(args));
    return command;
  }

  boolean ready() {
    return output.stream().anyMatch(l -> l.startsWith("skiff: ready"));
  }

  /** SIGKILL: no shutdown hooks, no journal flush beyond what was committed. Its dynos are left running. */
  void killHard() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  /** SIGKILL to the node and every process it started: a machine that is lost, dynos and all. */
  void killWithDynos() throws InterruptedException {
    List<ProcessHandle> tree = process.descendants().toList();
    tree.forEach(ProcessHandle::destroyForcibly);
    killHard();
  }

  /**
   * SIGTERM, as an operator stops a node; SIGKILL if it has not stopped within 30 s. Whatever it
   * started and left running is killed too (and said), so no test leaves dynos on the machine.
   */
  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      List<ProcessHandle> tree = process.descendants().toList();
      process.destroy();
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        System.err.println("node did not stop within 30 s of SIGTERM: killed");
        killHard();
      }
      long left = tree.stream().filter(ProcessHandle::isAlive).count();
      if (left > 0) {
        System.err.println("node left " + left + " processes running: killed");
        tree.forEach(ProcessHandle::destroyForcibly);
      }
    }
  }
}
