package skiff.bench;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import skiff.platform.node.SkiffNode;
import skiff.test.Api;
import skiff.test.Git;
import skiff.test.TestNode;

/**
 * Log delay: one dyno writing timestamped lines at 10,000 a second, read by one {@code --tail}
 * session (server-sent events) and one syslog drain (TCP); delay = written by the dyno → received,
 * p50 and p99 of each round. Each round restarts the dyno, which writes its lines again.
 */
final class LogPart implements BenchSuite.Runner {
  private static final int RATE = 10_000;

  @Override
  public void run(BenchSuite suite) throws Exception {
    int seconds = suite.quick ? 2 : 4;
    int lines = RATE * seconds;
    Table table = suite.table("log-delay", "Log line delay at " + String.format("%,d", RATE) + " lines/s", "ms", false,
        "receiver", false);
    AtomicReference<LogBench.Counter> tail = new AtomicReference<>(new LogBench.Counter());
    AtomicReference<LogBench.Counter> drain = new AtomicReference<>(new LogBench.Counter());
    List<String> received = new ArrayList<>();
    List<double[]> rounds = new ArrayList<>();
    try (SkiffNode node = TestNode.start(TestNode.freshHome()); ServerSocket syslog = new ServerSocket(0)) {
      Api api = new Api(node.apiPort(), TestNode.TOKEN);
      api.post("/apps", "{\"name\":\"chatty\"}").expect(201);
      Git git = Git.init(Files.createTempDirectory("bench-logs").resolve("chatty"));
      git.write("Procfile", "chat: python3 chat.py\n").write("chat.py", LogBench.chatProgram(lines, RATE))
          .commit("chatty");
      Git.Result pushed = git.run("push", "-q", "http://h:" + TestNode.TOKEN + "@127.0.0.1:" + node.apiPort()
          + "/chatty.git", "main");
      if (pushed.status() != 0) {
        throw new IllegalStateException(pushed.output());
      }
      api.post("/apps/chatty/log-drains", "{\"url\":\"syslog://127.0.0.1:" + syslog.getLocalPort() + "\"}")
          .expect(201);
      String url = api.post("/apps/chatty/log-sessions", "{\"tail\":true,\"lines\":1}").expect(201).body()
          .path("logplex_url").asText();
      Thread tailReader = new Thread(() -> LogBench.readTail(url, line -> tail.get().saw(line)), "bench-tail");
      tailReader.setDaemon(true);
      tailReader.start();
      Thread drainReader = new Thread(() -> LogBench.readDrain(syslog, line -> drain.get().saw(line)), "bench-drain");
      drainReader.setDaemon(true);
      drainReader.start();
      for (int round = -1; round < suite.rounds; round++) {
        tail.set(new LogBench.Counter());
        drain.set(new LogBench.Counter());
        if (round == -1) {
          api.patch("/apps/chatty/formation", "{\"updates\":[{\"type\":\"chat\",\"quantity\":1}]}").expect(200);
        } else {
          api.delete("/apps/chatty/dynos/chat.1").expect(202);
        }
        awaitQuiet(tail.get(), drain.get(), lines);
        BenchSuite.say("logs: round " + (round + 1) + ": tail " + tail.get().count.get() + ", drain "
            + drain.get().count.get() + " of " + lines);
        if (round >= 0) {
          received.add(tail.get().count.get() + "/" + drain.get().count.get());
          rounds.add(new double[] {tail.get().percentile(0.5), tail.get().percentile(0.99),
              drain.get().percentile(0.5), drain.get().percentile(0.99)});
        }
      }
    }
    table.put("tail session (SSE)", "p50", new Figure(rounds.stream().map(r -> r[0]).toList()));
    table.put("tail session (SSE)", "p99", new Figure(rounds.stream().map(r -> r[1]).toList()));
    table.put("syslog drain (TCP)", "p50", new Figure(rounds.stream().map(r -> r[2]).toList()));
    table.put("syslog drain (TCP)", "p99", new Figure(rounds.stream().map(r -> r[3]).toList()));
    table.note("Each round the dyno writes " + String.format("%,d", lines) + " lines; received by the tail / the"
        + " drain, round by round: " + String.join(", ", received) + ".");
  }

  /** Until both readers have every line, or nothing more came for 3 s. */
  private static void awaitQuiet(LogBench.Counter tail, LogBench.Counter drain, int lines) throws InterruptedException {
    long deadline = System.nanoTime() + 90_000_000_000L;
    long quietSince = System.nanoTime();
    long last = -1;
    while (System.nanoTime() < deadline) {
      Thread.sleep(200);
      long total = tail.count.get() + drain.count.get();
      if (total >= 2L * lines) {
        return;
      }
      if (total != last) {
        last = total;
        quietSince = System.nanoTime();
      } else if (total > 0 && System.nanoTime() - quietSince > 3_000_000_000L) {
        return;
      }
    }
  }
}
