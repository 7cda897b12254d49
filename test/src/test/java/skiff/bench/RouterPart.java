package skiff.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import skiff.platform.node.SkiffNode;
import skiff.test.Api;
import skiff.test.DynoTestSupport;
import skiff.test.RouterTest;
import skiff.test.TestNode;

/**
 * The router beside its anchors in the same run: the Node.js dyno reached directly, through nginx
 * (a keep-alive reverse proxy, {@code worker_processes auto}) as its guides set it up and doing the
 * same work as Skiff's router ({@link NginxAnchor.Work}), and through Skiff's router; rounds
 * interleaved so the machine's other load falls on all alike. Then power of two choices
 * against random balancing (Heroku's) with one slow dyno among three.
 */
final class RouterPart implements BenchSuite.Runner {
  private record Kind(String label, String path, int connections) {}

  private static final String PLAIN = NginxAnchor.Work.PLAIN.label;
  private static final String HEROKU = NginxAnchor.Work.HEROKU.label;

  @Override
  public void run(BenchSuite suite) throws Exception {
    RouterBench.ensureInstalled("wrk", "/usr/bin/wrk");
    RouterBench.ensureInstalled("nginx", "/usr/sbin/nginx");
    List<Kind> kinds = new ArrayList<>();
    for (int c : suite.quick ? new int[] {16} : new int[] {16, 128}) {
      kinds.add(new Kind("small, -c" + c, "/", c));
      kinds.add(new Kind("1 MB, -c" + c, "/big", c));
      if (!suite.quick) {
        kinds.add(new Kind("chunked 16 × 4 KB, -c" + c, "/chunked", c));
        kinds.add(new Kind("WebSocket echo, -c" + c, "ws", c));
      }
    }
    Table rps = suite.table("router-throughput", "Router throughput", "requests/s", true, "response, connections",
        false).ratio("Skiff", PLAIN).ratio("Skiff", HEROKU);
    Table p50 = suite.table("router-p50", "Router median latency (the dyno's own beside it)", "ms", false,
        "response, connections", false).ratio("Skiff", PLAIN).ratio("Skiff", HEROKU);
    Table p99 = suite.table("router-p99", "Router p99 latency", "ms", false, "response, connections", false)
        .ratio("Skiff", PLAIN).ratio("Skiff", HEROKU);
    Path work = Files.createTempDirectory("bench-router");
    StringBuilder added = new StringBuilder("Added median latency (the proxy's p50 minus the dyno's, medians):");
    try (SkiffNode node = TestNode.start(TestNode.freshHome())) {
      Api api = new Api(node.apiPort(), TestNode.TOKEN);
      RouterTest.deployNode(api, node.apiPort(), work, "bench", 1);
      java.net.InetSocketAddress dyno = DynoTestSupport.address(api, "bench", "web.1");
      try (NginxAnchor nginx = NginxAnchor.start(work, NginxAnchor.Work.PLAIN, dyno);
          NginxAnchor nginxHeroku = NginxAnchor.start(work, NginxAnchor.Work.HEROKU, dyno)) {
        Map<String, String> targets = new java.util.LinkedHashMap<>();
        targets.put("dyno directly", dyno.getHostString() + ":" + dyno.getPort());
        targets.put(PLAIN, nginx.address());
        targets.put(HEROKU, nginxHeroku.address());
        targets.put("Skiff", "127.0.0.1:" + node.routerPort());
        // three passes over every kind: one unmeasured round per kind left the first kind measured
        // while the JIT still compiled
        List<String> kindsThrice = new ArrayList<>();
        for (int pass = 0; pass < 3; pass++) {
          kindsThrice.addAll(List.of("/", "/chunked", "/big"));
        }
        RouterBench.warmUp(node.routerPort(), kindsThrice, 64);
        for (Kind kind : kinds) {
          BenchSuite.say("router: " + kind.label());
          Map<String, List<double[]>> measured = new java.util.LinkedHashMap<>();
          targets.keySet().forEach(t -> measured.put(t, new ArrayList<>()));
          List<Map.Entry<String, String>> order = new ArrayList<>(targets.entrySet());
          for (int round = -1; round < suite.rounds; round++) { // round -1 warms up, unmeasured
            // each round starts with the next target, so that none is always measured right after
            // the same other one (whose sockets the kernel may still be closing)
            java.util.Collections.rotate(order, -1);
            for (var target : order) {
              String host = target.getKey().equals("Skiff") ? "bench.localhost" : null;
              double[] r = once(kind, target.getValue(), host);
              if (round >= 0) {
                measured.get(target.getKey()).add(r);
              }
            }
          }
          measured.forEach((target, runs) -> {
            rps.put(kind.label(), target, new Figure(runs.stream().map(r -> r[0]).toList()));
            p50.put(kind.label(), target, new Figure(runs.stream().map(r -> r[1]).toList()));
            p99.put(kind.label(), target, new Figure(runs.stream().map(r -> r[2]).toList()));
          });
          double own = p50.rows.get(kind.label()).get("dyno directly").median();
          added.append(" ").append(kind.label()).append(": nginx ").append(added(p50, kind, PLAIN, own))
              .append(", nginx with Heroku's work ").append(added(p50, kind, HEROKU, own)).append(", Skiff ")
              .append(added(p50, kind, "Skiff", own)).append(";");
        }
      }
    }
    p50.note(added.toString().replaceAll(";$", "."));
    rps.note("wrk -t2 -d" + System.getProperty("bench.seconds") + "s with keep-alive (WebSocket echo: the bench's"
        + " own client, a process of its own with two threads as wrk has), rounds interleaved; the load generator, the"
        + " proxy and the dyno share the machine's cores. \"nginx\" is a reverse proxy as nginx's guides set one up"
        + " (Host and X-Forwarded-For, no access log); \"nginx, Heroku's headers and log\" also does what Skiff's"
        + " router does for each request: Heroku's request headers (X-Forwarded-Proto and -Port, X-Request-Start,"
        + " X-Request-Id, Via), the request id and Via on the answer, and a log line per request.");
    if (!suite.quick) {
      balancing(suite);
    }
  }

  /**
   * What a proxy adds to the dyno's own median. The router reaches a sealed dyno over the loopback
   * of the dyno's network namespace, while wrk, nginx and the WebSocket client reach it through the
   * node's gateway (a veth pair): where that longer path costs more than the router, it says so
   * rather than give a negative time.
   */
  private static String added(Table p50, Kind kind, String proxy, double own) {
    double added = p50.rows.get(kind.label()).get(proxy).median() - own;
    return added >= 0 ? String.format(java.util.Locale.ROOT, "%.2f ms", added)
        : "none measurable (its median is below that of the direct path through the gateway)";
  }

  /** requests/s, p50 ms, p99 ms. */
  private static double[] once(Kind kind, String at, String host) throws Exception {
    if (kind.path().equals("ws")) {
      WebSocketEchoLoad.Result r = WebSocketEchoLoad.run(at, host == null ? "bench" : host, kind.connections(),
          Duration.ofSeconds(Long.parseLong(System.getProperty("bench.seconds"))));
      return new double[] {r.perSecond(), r.p50Millis(), r.p99Millis()};
    }
    RouterBench.Result r = RouterBench.wrk("http://" + at + kind.path(), host, kind.connections());
    return new double[] {r.rps(), RouterBench.millis(r.p50()), RouterBench.millis(r.p99())};
  }

  /** One slow dyno (50 ms a request) among three, wrk -c32: random (Heroku's) against p2c. */
  private static void balancing(BenchSuite suite) throws Exception {
    Table rps = suite.table("router-balancing", "Balancing with one slow dyno of three (wrk -c32)", "requests/s", true,
        "balancing", false).ratio("power of two choices", "random");
    Table p99 = suite.table("router-balancing-p99", "Balancing with one slow dyno of three: p99 latency", "ms",
        false, "balancing", false).ratio("power of two choices", "random");
    for (String balance : List.of("random", "p2c")) {
      String series = balance.equals("p2c") ? "power of two choices" : "random";
      List<double[]> runs = new ArrayList<>();
      RouterBench.withSlowDyno(balance, url -> suite.measure(() -> {
        RouterBench.Result r = RouterBench.wrk(url, "slowone.localhost", 32);
        runs.add(new double[] {r.rps(), RouterBench.millis(r.p99())});
        return r.rps();
      }));
      List<double[]> measured = runs.subList(1, runs.size()); // the first was the warm-up
      rps.put("one slow dyno of three", series, new Figure(measured.stream().map(r -> r[0]).toList()));
      p99.put("one slow dyno of three", series, new Figure(measured.stream().map(r -> r[1]).toList()));
    }
  }
}
