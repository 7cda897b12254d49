package skiff.bench;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import skiff.platform.node.SkiffNode;
import skiff.test.Api;
import skiff.test.DynoTestSupport;
import skiff.test.RouterTest;
import skiff.test.TestNode;

/**
 * Skiff's router against nginx as a reverse proxy to the same dyno (as nginx's guides set it up, and
 * doing the same work as Skiff's router: see {@link NginxAnchor.Work}), and against the dyno itself:
 * small, 1 MB and chunked responses with wrk, and WebSocket echo with {@link WebSocketEchoLoad},
 * at -c16 and -c128, each the median of interleaved rounds (wrk and nginx are installed with
 * apt-get when missing); then power of two choices against random routing with one slow dyno
 * among three. {@code -Dbench.connections=16}, {@code -Dbench.paths=/}, {@code -Dbench.websocket=false},
 * {@code -Dbench.balancing=false}, {@code -Dbench.seconds}, {@code -Dbench.rounds},
 * {@code -Dbench.nginx.workers} and {@code -Dbench.router.threads} narrow or change a run;
 * {@code -Dbench.hold=SECONDS} only starts the three and keeps them up, for wrk and a profiler by
 * hand. Not a test; run with
 * {@code mvn -Pbench -pl test -am verify} or the exec execution {@code router-bench}.
 */
public final class RouterBench {
  private static final String DURATION = System.getProperty("bench.seconds", "5") + "s";
  private static final int ROUNDS = Integer.getInteger("bench.rounds", 3);

  public static void main(String[] args) throws Exception {
    ensureInstalled("wrk", "/usr/bin/wrk");
    ensureInstalled("nginx", "/usr/sbin/nginx");
    Path work = Files.createTempDirectory("router-bench");
    System.out.println("== Skiff router benchmark (wrk -t2 -d" + DURATION + ", keep-alive, median of " + ROUNDS
        + " interleaved rounds; 2 cores shared by wrk, proxy and dyno; added p50 = the proxy's p50 minus the"
        + " dyno's own) ==");
    Map<String, String> nodeEnv = TestNode.env(TestNode.freshHome());
    String threads = System.getProperty("bench.router.threads");
    if (threads != null) {
      // unset, the node's own default (conf/skiff.conf) holds
      nodeEnv.put("SKIFF_ROUTER_THREADS", threads);
    }
    try (SkiffNode node = TestNode.start(nodeEnv)) {
      Api api = new Api(node.apiPort(), TestNode.TOKEN);
      RouterTest.deployNode(api, node.apiPort(), work, "bench", 1);
      // a sealed dyno listens in its own namespace: nginx and wrk reach it at its link's address
      java.net.InetSocketAddress dyno = DynoTestSupport.address(api, "bench", "web.1");
      try (NginxAnchor nginx = NginxAnchor.start(work, NginxAnchor.Work.PLAIN, dyno);
          NginxAnchor nginxHeroku = NginxAnchor.start(work, NginxAnchor.Work.HEROKU, dyno)) {
        long hold = Long.getLong("bench.hold", 0);
        if (hold > 0) {
          // for profiling by hand: the targets stay up, unmeasured
          System.out.printf("holding %d s: dyno %s, nginx %s, nginx with Heroku's work %s, skiff 127.0.0.1:%d"
              + " (Host: bench.localhost)%n", hold, dyno, nginx.address(), nginxHeroku.address(), node.routerPort());
          Thread.sleep(hold * 1000);
          return;
        }
        warmUp(node.routerPort(), List.of("/", "/chunked", "/"), 16);
        System.out.printf("| %-22s | %4s | %-13s | %10s | %9s | %9s | %9s | %12s |%n", "response", "-c", "through",
            "requests/s", "p50", "p99", "added p50", "Skiff / this");
        Targets targets = new Targets(List.of(
            new Target("direct", dyno.getHostString() + ":" + dyno.getPort(), null),
            new Target("nginx", nginx.address(), null), new Target("nginx, Heroku", nginxHeroku.address(), null),
            new Target("skiff", "127.0.0.1:" + node.routerPort(), "bench.localhost")));
        for (String c : System.getProperty("bench.connections", "16,128").split(",")) {
          int connections = Integer.parseInt(c);
          for (String path : System.getProperty("bench.paths", "/,/big,/chunked").split(",")) {
            String label = switch (path) {
              case "/" -> "small (2 bytes)";
              case "/big" -> "1 MB";
              default -> "chunked, 16 x 4 KB";
            };
            targets.compare(label, connections, (at, host) -> wrk("http://" + at + path, host, connections));
          }
          if (!Boolean.parseBoolean(System.getProperty("bench.websocket", "true"))) {
            continue;
          }
          Duration wsTime = Duration.ofSeconds(Long.parseLong(System.getProperty("bench.seconds", "5")));
          targets.compare("WebSocket echo", connections,
              (at, host) -> ws(WebSocketEchoLoad.run(at, host == null ? "bench" : host, connections, wsTime)));
        }
      }
    }
    if (!Boolean.parseBoolean(System.getProperty("bench.balancing", "true"))) {
      return;
    }
    System.out.println("== one slow dyno (50 ms) among three: p99 latency by balancing (-c32) ==");
    for (String balance : List.of("random", "p2c")) {
      withSlowDyno(balance, url -> {
        Result r = wrk(url, "slowone.localhost", 32);
        System.out.printf("router, %-8s %10.0f requests/s  p50 %s  p99 %s%n", balance, r.rps(), r.p50(), r.p99());
      });
    }
  }

  /**
   * Unmeasured traffic through the router at {@code routerPort} (wrk -c64 on each of {@code paths},
   * then 3 s of WebSocket echo on {@code wsConnections}): the router runs in a JVM and is measured
   * warm, as a server that has served for a while is (nginx needs no JIT).
   */
  static void warmUp(int routerPort, List<String> paths, int wsConnections) throws Exception {
    for (String path : paths) {
      wrk("http://127.0.0.1:" + routerPort + path, "bench.localhost", 64);
    }
    WebSocketEchoLoad.run(routerPort, "bench.localhost", wsConnections, Duration.ofSeconds(3));
  }

  /** What measures a router at {@code url} (Host: slowone.localhost). */
  @FunctionalInterface
  interface RouterUrl {
    void measure(String url) throws Exception;
  }

  /**
   * A node balancing with {@code balance} (random or p2c) in front of three web dynos of which web.2
   * answers in 50 ms, the others at once: its router's URL to {@code measure}, then the node stops.
   */
  static void withSlowDyno(String balance, RouterUrl measure) throws Exception {
    Map<String, String> env = TestNode.env(TestNode.freshHome());
    env.put("SKIFF_ROUTER_BALANCE", balance);
    try (SkiffNode node = TestNode.start(env)) {
      Api api = new Api(node.apiPort(), TestNode.TOKEN);
      RouterTest.deployNode(api, node.apiPort(), Files.createTempDirectory("slow-" + balance), "slowone", 3);
      api.patch("/apps/slowone/config-vars", "{\"SLOW_DYNO\":\"web.2\"}").expect(200);
      Thread.sleep(3000); // the config change replaces the dynos
      measure.measure("http://127.0.0.1:" + node.routerPort() + "/");
    }
  }

  public record Result(double rps, String p50, String p99) {}

  /** One measurement of the dyno, nginx or Skiff ({@code host} is the Host header Skiff needs). */
  @FunctionalInterface
  private interface Measure {
    Result at(String hostAndPort, String host) throws Exception;
  }

  /** Where one target is measured: its row's name, its address, and the Host header it needs (or null). */
  private record Target(String name, String address, String host) {}

  /**
   * The dyno first, the proxies in front of it, Skiff last: rounds interleaved and the median of
   * each reported (the machine's other load comes and goes).
   */
  private record Targets(List<Target> all) {
    void compare(String label, int connections, Measure measure) throws Exception {
      List<List<Result>> runs = new ArrayList<>();
      all.forEach(t -> runs.add(new ArrayList<>()));
      for (int round = 0; round < ROUNDS; round++) {
        // each round starts with the next target: none is always measured right after the same other
        for (int i = 0; i < all.size(); i++) {
          int target = (round + i) % all.size();
          runs.get(target).add(measure.at(all.get(target).address(), all.get(target).host()));
        }
      }
      Result direct = median(runs.get(0));
      Result viaSkiff = median(runs.get(all.size() - 1));
      row(label, connections, all.get(0).name(), direct, "", "");
      for (int i = 1; i < all.size(); i++) {
        Result r = median(runs.get(i));
        row(label, connections, all.get(i).name(), r, direct, i == all.size() - 1 ? null : viaSkiff);
      }
    }
  }

  /** The run with the median throughput (its latencies with it). */
  public static Result median(List<Result> runs) {
    List<Result> sorted = runs.stream().sorted(java.util.Comparator.comparingDouble(Result::rps)).toList();
    return sorted.get(sorted.size() / 2);
  }

  private static Result ws(WebSocketEchoLoad.Result r) {
    return new Result(r.perSecond(), String.format("%.2fms", r.p50Millis()), String.format("%.2fms", r.p99Millis()));
  }

  /** A proxy's row: what it adds to the dyno's p50, and Skiff's throughput over its own. */
  private static void row(String label, int connections, String through, Result r, Result direct, Result skiff) {
    row(label, connections, through, r, String.format("%.2fms", millis(r.p50()) - millis(direct.p50())),
        skiff == null ? "" : String.format("%.2fx", skiff.rps() / r.rps()));
  }

  private static void row(String label, int connections, String through, Result r, String added, String ratio) {
    System.out.printf("| %-22s | %4d | %-13s | %10.0f | %9s | %9s | %9s | %12s |%n", label, connections, through,
        r.rps(), r.p50(), r.p99(), added, ratio);
  }

  /** wrk's latencies come as 512.00us, 1.20ms or 2.01s. */
  static double millis(String latency) {
    double value = Double.parseDouble(latency.replaceAll("[a-z]+$", ""));
    return latency.endsWith("us") ? value / 1000 : latency.endsWith("ms") ? value : value * 1000;
  }

  public static Result wrk(String url, String host, int connections) throws Exception {
    List<String> command = new java.util.ArrayList<>(List.of("wrk", "-t2", "-c" + connections, "-d" + DURATION,
        "--latency"));
    if (host != null) {
      command.addAll(List.of("-H", "Host: " + host));
    }
    command.add(url);
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor();
    Matcher rps = Pattern.compile("Requests/sec:\\s+([0-9.]+)").matcher(out);
    Matcher p50 = Pattern.compile("\\s50%\\s+(\\S+)").matcher(out);
    Matcher p99 = Pattern.compile("\\s99%\\s+(\\S+)").matcher(out);
    if (!rps.find() || !p50.find() || !p99.find()) {
      throw new IllegalStateException("wrk said: " + out);
    }
    if (out.contains("Non-2xx") || out.contains("Socket errors")) {
      System.out.println("  (wrk saw errors at " + url + ": " + out.lines().filter(l -> l.contains("Non-2xx")
          || l.contains("Socket errors")).toList() + ")");
    }
    return new Result(Double.parseDouble(rps.group(1)), p50.group(1), p99.group(1));
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  public static void ensureInstalled(String pkg, String binary) throws Exception {
    if (Files.isExecutable(Path.of(binary))) {
      return;
    }
    System.out.println("installing " + pkg + " with apt-get for the benchmark...");
    Process p = new ProcessBuilder("sh", "-c", "apt-get update -qq && apt-get install -y -qq " + pkg)
        .inheritIO().start();
    if (p.waitFor() != 0) {
      throw new IllegalStateException("could not install " + pkg + " with apt-get");
    }
  }
}
