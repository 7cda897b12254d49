package skiff.bench;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import skiff.platform.node.SkiffNode;
import skiff.test.Api;
import skiff.test.DynoTestSupport;
import skiff.test.RouterTest;
import skiff.test.TestNode;

/**
 * Skiff's router against nginx as a reverse proxy to the same dyno, and against the dyno itself:
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
      int nginxPort = freePort();
      Process nginx = startNginx(work, nginxPort, dyno);
      try {
        long hold = Long.getLong("bench.hold", 0);
        if (hold > 0) {
          // for profiling by hand: the three targets stay up, unmeasured
          System.out.printf("holding %d s: dyno %s, nginx 127.0.0.1:%d, skiff 127.0.0.1:%d (Host: bench.localhost)%n",
              hold, dyno, nginxPort, node.routerPort());
          Thread.sleep(hold * 1000);
          return;
        }
        warmUp(node.routerPort(), List.of("/", "/chunked", "/"), 16);
        System.out.printf("| %-22s | %4s | %-6s | %10s | %9s | %9s | %9s | %8s |%n", "response", "-c", "path",
            "requests/s", "p50", "p99", "added p50", "vs nginx");
        Targets targets = new Targets(dyno.getHostString() + ":" + dyno.getPort(), "127.0.0.1:" + nginxPort,
            "127.0.0.1:" + node.routerPort());
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
      } finally {
        nginx.destroy();
        nginx.waitFor(10, TimeUnit.SECONDS);
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

  /** The dyno, nginx in front of it and Skiff in front of it. */
  private record Targets(String dyno, String nginx, String skiff) {
    /** Rounds interleaved and the median of each reported: the machine's other load comes and goes. */
    void compare(String label, int connections, Measure measure) throws Exception {
      List<Result> direct = new java.util.ArrayList<>();
      List<Result> viaNginx = new java.util.ArrayList<>();
      List<Result> viaSkiff = new java.util.ArrayList<>();
      for (int round = 0; round < ROUNDS; round++) {
        // each round starts with the next target: none is always measured right after the same other
        for (int i = 0; i < 3; i++) {
          switch ((round + i) % 3) {
            case 0 -> direct.add(measure.at(dyno, null));
            case 1 -> viaNginx.add(measure.at(nginx, null));
            default -> viaSkiff.add(measure.at(skiff, "bench.localhost"));
          }
        }
      }
      RouterBench.compare(label, connections, median(direct), median(viaNginx), median(viaSkiff));
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

  /** Three rows: the dyno directly, nginx and Skiff, with what each proxy adds to the p50. */
  private static void compare(String label, int connections, Result direct, Result viaNginx, Result viaSkiff) {
    row(label, connections, "direct", direct, "", "");
    row(label, connections, "nginx", viaNginx, String.format("%.2fms", millis(viaNginx.p50()) - millis(direct.p50())),
        "");
    row(label, connections, "skiff", viaSkiff, String.format("%.2fms", millis(viaSkiff.p50()) - millis(direct.p50())),
        String.format("%.2fx", viaSkiff.rps() / viaNginx.rps()));
  }

  private static void row(String label, int connections, String path, Result r, String added, String ratio) {
    System.out.printf("| %-22s | %4d | %-6s | %10.0f | %9s | %9s | %9s | %8s |%n", label, connections, path, r.rps(),
        r.p50(), r.p99(), added, ratio);
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

  static Process startNginx(Path work, int port, java.net.InetSocketAddress dyno)
      throws IOException, InterruptedException {
    Path prefix = Files.createDirectories(work.resolve("nginx"));
    Files.createDirectories(prefix.resolve("logs"));
    Path conf = prefix.resolve("nginx.conf");
    Files.writeString(conf, """
        worker_processes %s;
        daemon off;
        error_log %s/logs/error.log;
        pid %s/nginx.pid;
        events { worker_connections 1024; }
        http {
          access_log off;
          map $http_upgrade $connection_upgrade { default upgrade; '' ''; }
          upstream dyno { server %s; keepalive 64; }
          server {
            listen 127.0.0.1:%d;
            location / {
              proxy_pass http://dyno;
              proxy_http_version 1.1;
              proxy_set_header Upgrade $http_upgrade;
              proxy_set_header Connection $connection_upgrade;
              proxy_set_header Host $host;
              proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            }
          }
        }
        """.formatted(System.getProperty("bench.nginx.workers", "auto"), prefix, prefix, dyno.getHostString() + ":" + dyno.getPort(), port));
    Process nginx = new ProcessBuilder("nginx", "-p", prefix.toString(), "-c", conf.toString())
        .redirectErrorStream(true).redirectOutput(prefix.resolve("logs/out.log").toFile()).start();
    Thread.sleep(500);
    return nginx;
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
