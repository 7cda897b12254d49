package skiff.bench;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * Skiff's router against nginx as a reverse proxy to the same dyno, and against the dyno itself,
 * with wrk (both installed with apt-get when missing); then power of two choices against random
 * routing with one slow dyno among three. Not a test; run with {@code mvn -Pbench -pl test -am verify}.
 */
public final class RouterBench {
  private static final String DURATION = System.getProperty("bench.seconds", "8") + "s";

  public static void main(String[] args) throws Exception {
    ensureInstalled("wrk", "/usr/bin/wrk");
    ensureInstalled("nginx", "/usr/sbin/nginx");
    Path work = Files.createTempDirectory("router-bench");
    System.out.println("== Skiff router benchmark (wrk -t2 -c32 -d" + DURATION + ", keep-alive; 2 cores shared by"
        + " wrk, proxy and dyno) ==");
    try (SkiffNode node = TestNode.start(TestNode.freshHome())) {
      Api api = new Api(node.apiPort(), TestNode.TOKEN);
      RouterTest.deployNode(api, node.apiPort(), work, "bench", 1);
      int dynoPort = DynoTestSupport.port(api, "bench", "web.1");
      int nginxPort = freePort();
      Process nginx = startNginx(work, nginxPort, dynoPort);
      try {
        // a first run warms the JIT up, as a server that has been serving for a while is
        wrk("http://127.0.0.1:" + node.routerPort() + "/", "bench.localhost");
        System.out.printf("%-34s %12s %10s %10s%n", "", "requests/s", "p50", "p99");
        for (String path : List.of("/", "/big")) {
          String label = path.equals("/") ? "small" : "1 MB";
          report("dyno directly, " + label, wrk("http://127.0.0.1:" + dynoPort + path, null));
          report("nginx -> dyno, " + label, wrk("http://127.0.0.1:" + nginxPort + path, null));
          report("skiff router -> dyno, " + label, wrk("http://127.0.0.1:" + node.routerPort() + path,
              "bench.localhost"));
        }
      } finally {
        nginx.destroy();
        nginx.waitFor(10, TimeUnit.SECONDS);
      }
    }
    System.out.println("== one slow dyno (50 ms) among three: p99 latency by balancing ==");
    for (String balance : List.of("random", "p2c")) {
      Map<String, String> env = TestNode.env(TestNode.freshHome());
      env.put("SKIFF_ROUTER_BALANCE", balance);
      try (SkiffNode node = TestNode.start(env)) {
        Api api = new Api(node.apiPort(), TestNode.TOKEN);
        RouterTest.deployNode(api, node.apiPort(), Files.createTempDirectory("slow-" + balance), "slowone", 3);
        api.patch("/apps/slowone/config-vars", "{\"SLOW_DYNO\":\"web.2\"}").expect(200);
        Thread.sleep(3000); // the config change replaces the dynos
        report("router, " + balance, wrk("http://127.0.0.1:" + node.routerPort() + "/", "slowone.localhost"));
      }
    }
  }

  private record Result(double rps, String p50, String p99) {}

  private static void report(String label, Result r) {
    System.out.printf("%-34s %12.0f %10s %10s%n", label, r.rps(), r.p50(), r.p99());
  }

  private static Result wrk(String url, String host) throws Exception {
    List<String> command = new java.util.ArrayList<>(List.of("wrk", "-t2", "-c32", "-d" + DURATION, "--latency"));
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
    if (out.contains("Non-2xx")) {
      System.out.println("  (wrk saw errors: " + out.lines().filter(l -> l.contains("Non-2xx")).findFirst().orElse("")
          + ")");
    }
    return new Result(Double.parseDouble(rps.group(1)), p50.group(1), p99.group(1));
  }

  private static Process startNginx(Path work, int port, int dynoPort) throws IOException, InterruptedException {
    Path prefix = Files.createDirectories(work.resolve("nginx"));
    Files.createDirectories(prefix.resolve("logs"));
    Path conf = prefix.resolve("nginx.conf");
    Files.writeString(conf, """
        worker_processes auto;
        daemon off;
        error_log %s/logs/error.log;
        pid %s/nginx.pid;
        events { worker_connections 1024; }
        http {
          access_log off;
          upstream dyno { server 127.0.0.1:%d; keepalive 64; }
          server {
            listen 127.0.0.1:%d;
            location / {
              proxy_pass http://dyno;
              proxy_http_version 1.1;
              proxy_set_header Connection "";
              proxy_set_header Host $host;
              proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            }
          }
        }
        """.formatted(prefix, prefix, dynoPort, port));
    Process nginx = new ProcessBuilder("nginx", "-p", prefix.toString(), "-c", conf.toString())
        .redirectErrorStream(true).redirectOutput(prefix.resolve("logs/out.log").toFile()).start();
    Thread.sleep(500);
    return nginx;
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static void ensureInstalled(String pkg, String binary) throws Exception {
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
