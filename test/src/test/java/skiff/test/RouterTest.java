package skiff.test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import skiff.platform.node.SkiffNode;

/** The router with real web dynos behind it: balancing, headers, streaming, Heroku's error codes. */
public class RouterTest {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private static SkiffNode node;
  private static Api api;
  private static Path work;

  @BeforeAll
  static void start() throws Exception {
    Map<String, String> env = TestNode.env(TestNode.freshHome());
    env.put("SKIFF_ROUTER_TIMEOUT", "2s");
    env.put("SKIFF_ROUTER_IDLE", "3s");
    node = TestNode.start(env);
    api = new Api(node.apiPort(), TestNode.TOKEN);
    work = Files.createTempDirectory("skiff-router");
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  public static void deployNode(Api api, int apiPort, Path work, String app, int webs) throws Exception {
    api.post("/apps", "{\"name\":\"" + app + "\"}").expect(201);
    Git git = Git.init(work.resolve(app));
    git.write("package.json", RouterApp.PACKAGE).write("server.js", RouterApp.SERVER).commit("router app");
    Git.Result pushed = git.run("push", "http://h:" + TestNode.TOKEN + "@127.0.0.1:" + apiPort + "/" + app + ".git",
        "main");
    assertEquals(0, pushed.status(), pushed.output());
    if (webs != 1) {
      api.patch("/apps/" + app + "/formation", "{\"updates\":[{\"type\":\"web\",\"quantity\":" + webs + "}]}")
          .expect(200);
    }
    for (int i = 1; i <= webs; i++) {
      DynoTest.awaitDyno(api, app, "web." + i, d -> d.path("state").asText().equals("up"), Duration.ofSeconds(30));
    }
  }

  static HttpResponse<String> through(int routerPort, String app, String path, Map<String, String> headers)
      throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + routerPort + path))
        .timeout(Duration.ofSeconds(90)).header("Host", app + ".localhost");
    headers.forEach(b::header);
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<String> get(String app, String path) throws Exception {
    return through(node.routerPort(), app, path, Map.of());
  }

  /**
   * The app's router lines once one contains {@code expected}: the router appends its lines on a
   * thread of its own, a few milliseconds after the answer.
   */
  private static List<String> routerLinesWith(String app, String expected) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (System.nanoTime() < deadline && routerLines(app).stream().noneMatch(l -> l.contains(expected))) {
      Thread.sleep(20);
    }
    return routerLines(app);
  }

  private static List<String> routerLines(String app) {
    String appId = api.get("/apps/" + app).body().path("id").asText();
    return node.dynos().logs().recent(appId).stream().filter(l -> l.contains("heroku[router]:")).toList();
  }

  @Test
  void requestsSpreadOverEveryWebDynoAndCarryHerokusHeaders() throws Exception {
    deployNode(api, node.apiPort(), work, "spread", 3);
    Map<String, Integer> counts = new HashMap<>();
    for (int i = 0; i < 300; i++) {
      HttpResponse<String> r = get("spread", "/");
      assertEquals(200, r.statusCode());
      counts.merge(r.body(), 1, Integer::sum);
    }
    assertEquals(3, counts.size(), counts.toString());
    counts.values().forEach(n -> assertTrue(n >= 50, "spread evenly: " + counts));

    String clientId = "client-request-id-1234567890";
    HttpResponse<String> r = through(node.routerPort(), "spread", "/headers",
        Map.of("X-Forwarded-For", "203.0.113.9", "X-Request-Id", clientId));
    JsonNode seen = Api.JSON.readTree(r.body());
    assertEquals("203.0.113.9, 127.0.0.1", seen.path("x-forwarded-for").asText());
    assertEquals("http", seen.path("x-forwarded-proto").asText());
    assertEquals(String.valueOf(node.routerPort()), seen.path("x-forwarded-port").asText());
    assertTrue(Math.abs(Long.parseLong(seen.path("x-request-start").asText()) - System.currentTimeMillis()) < 5000);
    assertEquals(clientId, seen.path("x-request-id").asText());
    assertEquals(clientId, r.headers().firstValue("X-Request-Id").orElse(""));
    assertTrue(seen.path("via").asText().contains("1.1 skiff"));
    assertEquals("spread.localhost", seen.path("host").asText());

    HttpResponse<String> shortId = through(node.routerPort(), "spread", "/headers", Map.of("X-Request-Id", "short"));
    String replaced = Api.JSON.readTree(shortId.body()).path("x-request-id").asText();
    assertTrue(replaced.matches("[0-9a-f-]{36}"), replaced);

    // the second /headers request's line: the one with a request id of the router's own
    String line = routerLinesWith("spread", "path=\"/headers\" host=spread.localhost request_id=" + replaced).stream()
        .filter(l -> l.contains("request_id=" + replaced)).findFirst().orElseThrow();
    assertTrue(line.matches(".*heroku\\[router\\]: at=info method=GET path=\"/headers\" host=spread.localhost "
        + "request_id=[0-9a-f-]{36} fwd=\"127.0.0.1\" dyno=web\\.\\d connect=\\d+ms service=\\d+ms status=200 "
        + "bytes=\\d+ protocol=http"), line);
  }

  @Test
  void slowFirstBytesGetH12AndStreamsFlowAsWritten() throws Exception {
    deployNode(api, node.apiPort(), work, "timing", 1);
    long start = System.nanoTime();
    HttpResponse<String> slow = get("timing", "/slow?ms=4000");
    assertEquals(503, slow.statusCode());
    assertTrue(Duration.ofNanos(System.nanoTime() - start).toMillis() < 3500, "cut at the 2 s test timeout");
    assertTrue(routerLinesWith("timing", "code=H12").stream()
        .anyMatch(l -> l.contains("at=error code=H12 desc=\"Request timeout\"")));

    HttpResponse<InputStream> stream = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
        + node.routerPort() + "/stream")).header("Host", "timing.localhost").build(),
        HttpResponse.BodyHandlers.ofInputStream());
    List<Long> arrivals = new ArrayList<>();
    try (BufferedReader in = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8))) {
      for (String l; (l = in.readLine()) != null; ) {
        arrivals.add(System.nanoTime());
      }
    }
    assertEquals(3, arrivals.size());
    assertTrue(arrivals.get(2) - arrivals.get(0) > TimeUnit.MILLISECONDS.toNanos(800), "chunks came as written");

    byte[] upload = new byte[5 * 1024 * 1024];
    HttpResponse<String> uploaded = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
            + node.routerPort() + "/upload")).header("Host", "timing.localhost")
        .POST(HttpRequest.BodyPublishers.ofByteArray(upload)).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals("received " + upload.length, uploaded.body());
    HttpResponse<String> big = get("timing", "/big");
    assertEquals(1024 * 1024, big.body().length());

    HttpResponse<String> idle = get("timing", "/poll?ms=1000");
    assertEquals("poll answered", idle.body(), "a quiet second within the idle window is fine");
  }

  @Test
  void aWebSocketEchoesThroughTheRouter() throws Exception {
    deployNode(api, node.apiPort(), work, "sockets", 1);
    CompletableFuture<String> reply = new CompletableFuture<>();
    WebSocket socket = HTTP.newWebSocketBuilder().header("Host", "sockets.localhost")
        .buildAsync(URI.create("ws://127.0.0.1:" + node.routerPort() + "/ws"), new WebSocket.Listener() {
          @Override
          public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            reply.complete(data.toString());
            return null;
          }
        }).get(10, TimeUnit.SECONDS);
    socket.sendText("hello", true);
    assertEquals("echo: hello", reply.get(10, TimeUnit.SECONDS));
    socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye");
  }

  @Test
  void herokusErrorsForNoDynosMaintenanceAndUnknownHosts() throws Exception {
    deployNode(api, node.apiPort(), work, "errors", 1);
    HttpResponse<String> unknown = get("no-such-app-here", "/");
    assertEquals(404, unknown.statusCode());
    assertTrue(unknown.body().contains("no-such-app-here.localhost"), unknown.body());

    api.patch("/apps/errors", "{\"maintenance\":true}").expect(200);
    HttpResponse<String> maintenance = get("errors", "/");
    assertEquals(503, maintenance.statusCode());
    assertTrue(maintenance.body().contains("Maintenance"), maintenance.body());
    api.patch("/apps/errors/config-vars", "{\"MAINTENANCE_PAGE_URL\":\"https://example.com/down.html\"}").expect(200);
    assertTrue(get("errors", "/").body().contains("<iframe src=\"https://example.com/down.html\""));
    api.patch("/apps/errors", "{\"maintenance\":false}").expect(200);
    assertEquals(200, get("errors", "/").statusCode());

    api.patch("/apps/errors/formation", "{\"updates\":[{\"type\":\"web\",\"quantity\":0}]}").expect(200);
    HttpResponse<String> none = get("errors", "/");
    assertEquals(503, none.statusCode());
    List<String> lines = routerLinesWith("errors", "code=H14");
    assertTrue(lines.stream().anyMatch(l -> l.contains("at=info code=H80 desc=\"Maintenance mode\"")), lines.toString());
    assertTrue(lines.stream().anyMatch(l -> l.contains("at=error code=H14 desc=\"No web processes running\"")),
        lines.toString());

    api.post("/apps", "{\"name\":\"blank-app\"}").expect(201);
    HttpResponse<String> blank = get("blank-app", "/");
    assertEquals(503, blank.statusCode());
    assertTrue(routerLinesWith("blank-app", "code=H81").stream().anyMatch(l -> l.contains("code=H81")));
  }

  @Test
  void aClientThatGoesAwayIsLoggedAsH27() throws Exception {
    deployNode(api, node.apiPort(), work, "leaver", 1);
    try (Socket socket = new Socket("127.0.0.1", node.routerPort())) {
      OutputStream out = socket.getOutputStream();
      out.write(("GET /slow?ms=1000 HTTP/1.1\r\nHost: leaver.localhost\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      Thread.sleep(200);
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (System.nanoTime() < deadline && routerLines("leaver").stream().noneMatch(l -> l.contains("code=H27"))) {
      Thread.sleep(100);
    }
    assertTrue(routerLines("leaver").stream().anyMatch(l -> l.contains("at=warning code=H27")
        && l.contains("status=499")), routerLines("leaver").toString());
    assertEquals(200, get("leaver", "/").statusCode(), "nothing stuck");
  }

  @Test
  void killingADynoUnderLoadLosesNoRequestThatHadNotReachedIt() throws Exception {
    deployNode(api, node.apiPort(), work, "under-load", 3);
    JsonNode victim = DynoTest.dyno(api, "under-load", "web.2");
    AtomicBoolean running = new AtomicBoolean(true);
    AtomicInteger ok = new AtomicInteger();
    AtomicInteger failed = new AtomicInteger();
    ExecutorService clients = Executors.newFixedThreadPool(6);
    List<Future<?>> loops = new ArrayList<>();
    for (int c = 0; c < 6; c++) {
      loops.add(clients.submit(() -> {
        while (running.get()) {
          try {
            (get("under-load", "/").statusCode() == 200 ? ok : failed).incrementAndGet();
          } catch (Exception e) {
            failed.incrementAndGet();
          }
        }
      }));
    }
    Thread.sleep(700);
    DynoTest.killDyno(victim);
    Thread.sleep(1500);
    running.set(false);
    for (Future<?> loop : loops) {
      loop.get(30, TimeUnit.SECONDS);
    }
    clients.shutdown();
    assertTrue(ok.get() > 100, ok + " answered");
    assertTrue(failed.get() <= 6, "only requests already at the killed dyno may fail: " + failed + " of " + ok);
  }

  @Test
  void customDomainsTlsTerminationAndRequestLimits() throws Exception {
    deployNode(api, node.apiPort(), work, "domains", 1);
    api.post("/apps/domains/domains", "{\"hostname\":\"www.example.test\"}").expect(201);
    api.post("/apps/spread-two/domains", "{\"hostname\":\"x.example.test\"}").expectError(404, "not_found", "app");
    api.post("/apps", "{\"name\":\"domain-thief\"}").expect(201);
    api.post("/apps/domain-thief/domains", "{\"hostname\":\"www.example.test\"}")
        .expectError(422, "invalid_params", "already in use");
    api.post("/apps/domains/domains", "{\"hostname\":\"not a host\"}").expectError(422, "invalid_params",
        "not a hostname");
    HttpResponse<String> custom = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
        + node.routerPort() + "/")).header("Host", "www.example.test").build(), HttpResponse.BodyHandlers.ofString());
    assertEquals("web.1", custom.body());
    JsonNode domains = api.get("/apps/domains/domains").body();
    assertEquals(2, domains.size());
    api.delete("/apps/domains/domains/www.example.test").expect(200);
    HttpResponse<String> removed = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
        + node.routerPort() + "/")).header("Host", "www.example.test").build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(404, removed.statusCode());

    javax.net.ssl.SSLContext ssl = javax.net.ssl.SSLContext.getInstance("TLS");
    java.security.KeyStore trust = java.security.KeyStore.getInstance(java.security.KeyStore.getDefaultType());
    trust.load(null, null);
    try (InputStream pem = Files.newInputStream(node.caPem())) {
      trust.setCertificateEntry("skiff", java.security.cert.CertificateFactory.getInstance("X.509")
          .generateCertificate(pem));
    }
    javax.net.ssl.TrustManagerFactory tmf = javax.net.ssl.TrustManagerFactory.getInstance(
        javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    ssl.init(null, tmf.getTrustManagers(), null);
    HttpClient tls = HttpClient.newBuilder().sslContext(ssl).build();
    HttpResponse<String> viaTls = tls.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:"
        + routerTlsPort() + "/headers")).header("Host", "domains.localhost").build(),
        HttpResponse.BodyHandlers.ofString());
    JsonNode headers = Api.JSON.readTree(viaTls.body());
    assertEquals("https", headers.path("x-forwarded-proto").asText());

    HttpResponse<String> longLine = get("domains", "/" + "x".repeat(9000));
    assertEquals(400, longLine.statusCode());
    HttpResponse<String> bigHeader = through(node.routerPort(), "domains", "/", Map.of("X-Big", "y".repeat(9000)));
    assertEquals(400, bigHeader.statusCode());
    assertEquals(200, get("domains", "/").statusCode());
  }

  private static int routerTlsPort() {
    return node.routerTlsPort();
  }

  @Test
  void crashedAppsGetH10AndSilentStreamsH15() throws Exception {
    deployNode(api, node.apiPort(), work, "quiet", 1);
    try {
      HttpResponse<String> silent = get("quiet", "/poll?ms=6000");
      assertFalse(silent.body().contains("poll answered"), "cut by the 3 s idle window");
    } catch (java.io.IOException cut) {
      // the router closed the silent stream: what H15 means for the client
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (System.nanoTime() < deadline && routerLines("quiet").stream().noneMatch(l -> l.contains("code=H15"))) {
      Thread.sleep(100);
    }
    assertTrue(routerLines("quiet").stream().anyMatch(l -> l.contains("code=H15 desc=\"Idle connection\"")));

    api.post("/apps", "{\"name\":\"crashing\"}").expect(201);
    Git git = Git.init(work.resolve("crashing"));
    git.write("Procfile", "web: echo starting; exit 1\n").commit("crashes");
    assertEquals(0, git.run("push", "http://h:" + TestNode.TOKEN + "@127.0.0.1:" + node.apiPort()
        + "/crashing.git", "main").status());
    DynoTest.awaitDyno(api, "crashing", "web.1", d -> d.hasNonNull("restart_at"), Duration.ofSeconds(20));
    HttpResponse<String> crashed = get("crashing", "/");
    assertEquals(503, crashed.statusCode());
    assertTrue(routerLinesWith("crashing", "code=H10").stream()
        .anyMatch(l -> l.contains("code=H10 desc=\"App crashed\"")));
  }
}
