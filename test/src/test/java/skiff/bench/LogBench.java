package skiff.bench;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import skiff.platform.node.SkiffNode;
import skiff.test.Api;
import skiff.test.Git;
import skiff.test.TestNode;

/**
 * Log throughput: one chatty dyno writing lines as fast as it can, read by one tail session and
 * one syslog drain; lines/s each receives and the end-to-end delay (written → received).
 * Not a test; run with {@code mvn -Pbench -pl test -am verify}.
 */
public final class LogBench {
  private static final int LINES = Integer.getInteger("bench.lines", 100_000);
  private static final int RATE = Integer.getInteger("bench.rate", 10_000);
  static final Pattern STAMP = Pattern.compile("chat (\\d+) (\\d+)");

  public static void main(String[] args) throws Exception {
    try (SkiffNode node = TestNode.start(TestNode.freshHome()); ServerSocket syslog = new ServerSocket(0)) {
      Api api = new Api(node.apiPort(), TestNode.TOKEN);
      api.post("/apps", "{\"name\":\"chatty\"}").expect(201);
      Git git = Git.init(Files.createTempDirectory("log-bench").resolve("chatty"));
      git.write("Procfile", "chat: python3 chat.py\n").write("chat.py", chatProgram(LINES, RATE)).commit("chatty");
      api.post("/apps/chatty/log-drains", "{\"url\":\"syslog://127.0.0.1:" + syslog.getLocalPort() + "\"}")
          .expect(201);
      String url = api.post("/apps/chatty/log-sessions", "{\"tail\":true,\"lines\":1}").expect(201).body()
          .path("logplex_url").asText();
      Counter tail = new Counter();
      Counter drain = new Counter();
      Thread tailReader = new Thread(() -> readTail(url, tail::saw));
      tailReader.setDaemon(true);
      tailReader.start();
      Thread drainReader = new Thread(() -> readDrain(syslog, drain::saw));
      drainReader.setDaemon(true);
      drainReader.start();
      Git.Result pushed = git.run("push", "-q", "http://h:" + TestNode.TOKEN + "@127.0.0.1:" + node.apiPort()
          + "/chatty.git", "main");
      if (pushed.status() != 0) {
        throw new IllegalStateException(pushed.output());
      }
      api.patch("/apps/chatty/formation", "{\"updates\":[{\"type\":\"chat\",\"quantity\":1}]}").expect(200);
      long deadline = System.nanoTime() + 120_000_000_000L;
      long quietSince = System.nanoTime();
      long lastTotal = 0;
      while (System.nanoTime() < deadline) {
        Thread.sleep(500);
        long total = tail.count.get() + drain.count.get();
        if (total != lastTotal) {
          quietSince = System.nanoTime();
          lastTotal = total;
        } else if (total > 0 && System.nanoTime() - quietSince > 3_000_000_000L) {
          break;
        }
      }
      System.out.println("== Skiff log benchmark: one dyno writing " + LINES + " lines at " + RATE + " lines/s ==");
      tail.report("tail session (SSE)");
      drain.report("syslog drain (TCP)");
    }
  }

  /** A dyno that waits a moment, writes {@code lines} timestamped lines at {@code rate} a second, then idles. */
  static String chatProgram(int lines, int rate) {
    return """
          import sys, time
          time.sleep(2)
          start = time.time()
          for i in range(%d):
              sys.stdout.write("chat %%d %%d\\n" %% (i, time.time_ns()))
              if i %% 100 == 99:
                  sys.stdout.flush()
                  ahead = start + (i + 1) / %d - time.time()
                  if ahead > 0:
                      time.sleep(ahead)
          sys.stdout.flush()
          time.sleep(3600)
          """.formatted(lines, rate);
  }

  static final class Counter {
    final AtomicLong count = new AtomicLong();
    volatile long first;
    volatile long last;
    final List<Long> delaysMicros = Collections.synchronizedList(new ArrayList<>());

    void saw(String line) {
      Matcher m = STAMP.matcher(line);
      if (!m.find()) {
        return;
      }
      java.time.Instant instant = java.time.Instant.now();
      long now = instant.getEpochSecond() * 1_000_000_000L + instant.getNano();
      if (count.getAndIncrement() == 0) {
        first = System.nanoTime();
      }
      last = System.nanoTime();
      if (count.get() % 10 == 0) {
        delaysMicros.add((now - Long.parseLong(m.group(2))) / 1000);
      }
    }

    /** The delay (ms) below which {@code q} of the sampled lines arrived. */
    double percentile(double q) {
      List<Long> d = new ArrayList<>(delaysMicros);
      Collections.sort(d);
      return d.isEmpty() ? Double.NaN : d.get(Math.min(d.size() - 1, (int) (d.size() * q))) / 1000.0;
    }

    void report(String label) {
      List<Long> d = new ArrayList<>(delaysMicros);
      Collections.sort(d);
      double seconds = Math.max(1e-9, (last - first) / 1e9);
      System.out.printf("%-22s %7d lines received, %8.0f lines/s, delay p50 %6.1f ms, p99 %7.1f ms%n", label,
          count.get(), count.get() / seconds, d.isEmpty() ? 0 : d.get(d.size() / 2) / 1000.0,
          d.isEmpty() ? 0 : d.get((int) (d.size() * 0.99)) / 1000.0);
    }
  }

  static void readTail(String url, java.util.function.Consumer<String> counter) {
    try {
      HttpResponse<InputStream> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).build(),
          HttpResponse.BodyHandlers.ofInputStream());
      try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
        for (String l; (l = in.readLine()) != null; ) {
          if (l.startsWith("data: ")) {
            counter.accept(l);
          }
        }
      }
    } catch (Exception ignored) {
      // the node stopped
    }
  }

  /** Reads octet-counted frames: LENGTH SP FRAME. */
  static void readDrain(ServerSocket server, java.util.function.Consumer<String> counter) {
    try (Socket socket = server.accept();
        java.io.DataInputStream in = new java.io.DataInputStream(new java.io.BufferedInputStream(
            socket.getInputStream()))) {
      while (true) {
        int length = 0;
        for (int c; (c = in.read()) != ' '; ) {
          if (c < 0) {
            return;
          }
          length = length * 10 + (c - '0');
        }
        byte[] frame = new byte[length];
        in.readFully(frame);
        counter.accept(new String(frame, StandardCharsets.UTF_8));
      }
    } catch (Exception ignored) {
      // the node stopped
    }
  }

}
