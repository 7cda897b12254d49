package skiff.http.router;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static skiff.http.router.Eventually.await;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The router's data plane against scripted dynos (real sockets): Heroku's headers, the H-codes,
 * which requests are sent twice and which never are, and that every way a request ends gives the
 * dyno's outstanding count back and writes one log line.
 */
class RouterTest {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final Queue<String> lines = new ConcurrentLinkedQueue<>();
  private final List<AutoCloseable> closing = new ArrayList<>();
  private final RoutingTable table = new RoutingTable("localhost");
  private final List<String> woken = new ArrayList<>();
  private Router router;
  private int port;

  @AfterEach
  void close() throws Exception {
    for (AutoCloseable c : closing) {
      c.close();
    }
    if (router != null) {
      router.close();
    }
  }

  private void start(Duration firstByte, Duration idle) throws Exception {
    router = new Router(table, (appId, source, dyno, message) -> lines.add(appId + " " + source + "[" + dyno + "]: "
        + message), new RouterSettings(firstByte, idle, "localhost", false, woken::add));
    port = router.listen("127.0.0.1", 0, null);
  }

  private void start() throws Exception {
    start(Duration.ofSeconds(5), Duration.ofSeconds(5));
  }

  private ScriptedDyno dyno(ScriptedDyno.Script script) throws IOException {
    ScriptedDyno dyno = new ScriptedDyno(script);
    closing.add(dyno);
    return dyno;
  }

  private void app(String name, int webs) {
    table.put(new AppEntry(name + "-id", name, false, true, webs, null, null, List.of()));
  }

  private Backend up(String app, String dyno, int port) {
    table.changed(app + "-id", dyno, "up", port);
    return table.snapshot().byId().get(app + "-id").backends().stream().filter(b -> b.dyno().equals(dyno))
        .findFirst().orElseThrow();
  }

  private HttpResponse<String> get(String app, String path) throws Exception {
    return send(HttpRequest.newBuilder(uri(path)).header("Host", app + ".localhost").build());
  }

  private HttpResponse<String> send(HttpRequest request) throws Exception {
    return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
  }

  private URI uri(String path) {
    return URI.create("http://127.0.0.1:" + port + path);
  }

  private String awaitLine(String contains) throws InterruptedException {
    await(() -> lines.stream().anyMatch(l -> l.contains(contains)), "a log line with " + contains + " in " + lines);
    return lines.stream().filter(l -> l.contains(contains)).findFirst().orElseThrow();
  }

  private static void awaitIdle(Backend... backends) throws InterruptedException {
    for (Backend b : backends) {
      await(() -> b.outstanding() == 0, b + " back to 0 outstanding (at " + b.outstanding() + ")");
    }
  }

  @Test
  void forwardsWithHerokusHeadersAndLogsOneLinePerRequest() throws Exception {
    start();
    ScriptedDyno echo = dyno((request, out) -> {
      ScriptedDyno.ok(out, request.head());
      return true;
    });
    app("echo", 1);
    Backend web1 = up("echo", "web.1", echo.port());
    HttpResponse<String> r = send(HttpRequest.newBuilder(uri("/path?q=1")).header("Host", "echo.localhost")
        .header("X-Forwarded-For", "203.0.113.9").header("X-Request-Id", "client-request-id-1234567890")
        .header("Via", "1.0 elsewhere").build());
    assertEquals(200, r.statusCode());
    String head = r.body();
    assertTrue(head.startsWith("GET /path?q=1 HTTP/1.1\r\n"), head);
    assertTrue(head.contains("X-Forwarded-For: 203.0.113.9, 127.0.0.1\r\n"), head);
    assertTrue(head.contains("X-Forwarded-Proto: http\r\n"), head);
    assertTrue(head.contains("X-Forwarded-Port: " + port + "\r\n"), head);
    assertTrue(head.contains("X-Request-Id: client-request-id-1234567890\r\n"), head);
    assertTrue(head.contains("Via: 1.0 elsewhere, 1.1 skiff\r\n"), head);
    assertTrue(head.toLowerCase().contains("host: echo.localhost\r\n"), head);
    assertTrue(head.contains("X-Request-Start: "), head);
    assertEquals("client-request-id-1234567890", r.headers().firstValue("X-Request-Id").orElse(""));
    assertEquals("1.1 skiff", r.headers().firstValue("Via").orElse(""));

    HttpResponse<String> fresh = send(HttpRequest.newBuilder(uri("/")).header("Host", "ECHO.localhost:80")
        .header("X-Request-Id", "short").build());
    assertTrue(fresh.headers().firstValue("X-Request-Id").orElse("").matches("[0-9a-f-]{36}"));
    String line = awaitLine("path=\"/path?q=1\"");
    assertTrue(line.matches("echo-id heroku\\[router\\]: at=info method=GET path=\"/path\\?q=1\" host=echo.localhost "
        + "request_id=client-request-id-1234567890 fwd=\"203.0.113.9, 127.0.0.1\" dyno=web\\.1 connect=\\d+ms "
        + "service=\\d+ms status=200 bytes=\\d+ protocol=http"), line);
    awaitIdle(web1);
    assertEquals(1, echo.connections.get(), "both requests on one kept-alive dyno connection");
  }

  @Test
  void pipelinedRequestsAreAnsweredInOrder() throws Exception {
    start();
    ScriptedDyno echo = dyno((request, out) -> {
      ScriptedDyno.ok(out, request.head().substring(0, request.head().indexOf(" HTTP/")));
      return true;
    });
    app("pipes", 1);
    Backend web1 = up("pipes", "web.1", echo.port());
    try (Socket client = new Socket("127.0.0.1", port)) {
      client.setSoTimeout(5000);
      String one = "GET /first HTTP/1.1\r\nHost: pipes.localhost\r\n\r\n";
      String two = "POST /second HTTP/1.1\r\nHost: pipes.localhost\r\nContent-Length: 3\r\n\r\nabc";
      String three = "GET /third HTTP/1.1\r\nHost: pipes.localhost\r\nConnection: close\r\n\r\n";
      client.getOutputStream().write((one + two + three).getBytes(StandardCharsets.US_ASCII));
      String answers = new String(client.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
      int first = answers.indexOf("GET /first");
      int second = answers.indexOf("POST /second");
      int third = answers.indexOf("GET /third");
      assertTrue(first > 0 && second > first && third > second, answers);
    }
    awaitIdle(web1);
  }

  @Test
  void aPostToADynoThatClosesAfterReadingItIsNotSentAgain() throws Exception {
    start();
    ScriptedDyno first = dyno((request, out) -> false);
    ScriptedDyno second = dyno((request, out) -> false);
    app("closer", 2);
    Backend a = up("closer", "web.1", first.port());
    Backend b = up("closer", "web.2", second.port());
    HttpResponse<String> r = send(HttpRequest.newBuilder(uri("/orders")).header("Host", "closer.localhost")
        .POST(HttpRequest.BodyPublishers.ofString("{\"pay\":100}")).build());
    assertEquals(503, r.statusCode());
    assertTrue(r.body().contains("H13"), r.body());
    awaitLine("code=H13 desc=\"Connection closed without response\"");
    assertEquals(1, first.requests.get() + second.requests.get(), "the POST reached exactly one dyno");
    awaitIdle(a, b);
  }

  @Test
  void aBodylessGetIsSentAgainWhenTheDynoClosedWithoutAnswering() throws Exception {
    start();
    ScriptedDyno flaky = dyno((request, out) -> {
      if (request.number() == 1) {
        return false;
      }
      ScriptedDyno.ok(out, "second time");
      return true;
    });
    app("flaky", 1);
    Backend web1 = up("flaky", "web.1", flaky.port());
    HttpResponse<String> r = get("flaky", "/");
    assertEquals("second time", r.body());
    assertEquals(2, flaky.requests.get());
    awaitIdle(web1);
  }

  @Test
  void refusedConnectionsGoToAnotherDynoAndH21WhenAllRefuse() throws Exception {
    start();
    ScriptedDyno ok = dyno((request, out) -> {
      ScriptedDyno.ok(out, "ok");
      return true;
    });
    app("refusing", 2);
    Backend dead = up("refusing", "web.1", closedPort());
    Backend alive = up("refusing", "web.2", ok.port());
    for (int i = 0; i < 20; i++) {
      HttpResponse<String> r = send(HttpRequest.newBuilder(uri("/")).header("Host", "refusing.localhost")
          .POST(HttpRequest.BodyPublishers.ofString("body " + i)).build());
      assertEquals(200, r.statusCode(), "a POST that reached no dyno may be sent to another");
    }
    awaitIdle(dead, alive);

    app("all-dead", 2);
    Backend d1 = up("all-dead", "web.1", closedPort());
    Backend d2 = up("all-dead", "web.2", closedPort());
    HttpResponse<String> r = get("all-dead", "/");
    assertEquals(503, r.statusCode());
    awaitLine("code=H21 desc=\"Backend connection refused\"");
    awaitIdle(d1, d2);
  }

  @Test
  void h12AnswersAfterTheTimeoutAndClosesTheDynoConnection() throws Exception {
    start(Duration.ofMillis(300), Duration.ofSeconds(5));
    ScriptedDyno silent = dyno((request, out) -> true);
    app("slow", 1);
    Backend web1 = up("slow", "web.1", silent.port());
    long began = System.nanoTime();
    HttpResponse<String> r = get("slow", "/");
    assertEquals(503, r.statusCode());
    assertTrue(System.nanoTime() - began < TimeUnit.SECONDS.toNanos(2));
    awaitLine("code=H12 desc=\"Request timeout\"");
    await(() -> silent.closedByRouter.get() == 1, "the dyno's connection closed by the router");
    awaitIdle(web1);
  }

  @Test
  void aDynoClosingMidResponseIsH18() throws Exception {
    start();
    ScriptedDyno cut = dyno((request, out) -> {
      out.write("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly ten b".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      return false;
    });
    app("cut", 1);
    Backend web1 = up("cut", "web.1", cut.port());
    assertThrows(IOException.class, () -> get("cut", "/"));
    String line = awaitLine("code=H18");
    assertTrue(line.contains("at=error code=H18 desc=\"Server Request Interrupted\"") && line.contains("status=200")
        && line.contains("bytes=10") && line.contains("sock=backend"), line);
    awaitIdle(web1);
  }

  @Test
  void aSilentStreamIsCutAsH15() throws Exception {
    start(Duration.ofSeconds(5), Duration.ofMillis(300));
    ScriptedDyno quiet = dyno((request, out) -> {
      out.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n".getBytes(
          StandardCharsets.US_ASCII));
      out.flush();
      Thread.sleep(3000);
      return false;
    });
    app("quiet", 1);
    Backend web1 = up("quiet", "web.1", quiet.port());
    assertThrows(IOException.class, () -> get("quiet", "/"));
    awaitLine("code=H15 desc=\"Idle connection\"");
    awaitIdle(web1);
  }

  @Test
  void aClientLeavingMidRequestIsH27() throws Exception {
    start();
    ScriptedDyno slow = dyno((request, out) -> {
      Thread.sleep(500);
      ScriptedDyno.ok(out, "late");
      return true;
    });
    app("leaver", 1);
    Backend web1 = up("leaver", "web.1", slow.port());
    try (Socket client = new Socket("127.0.0.1", port)) {
      client.getOutputStream().write("GET / HTTP/1.1\r\nHost: leaver.localhost\r\n\r\n".getBytes(
          StandardCharsets.US_ASCII));
      await(() -> slow.requests.get() == 1, "the request at the dyno");
    }
    String line = awaitLine("code=H27");
    assertTrue(line.contains("at=warning code=H27 desc=\"Client Request Interrupted\"") && line.contains("status=499")
        && line.contains("sock=client"), line);
    awaitIdle(web1);
  }

  @Test
  void herokusPagesForUnknownHostsMaintenanceNoDynosAndCrashes() throws Exception {
    start();
    HttpResponse<String> unknown = get("nobody", "/");
    assertEquals(404, unknown.statusCode());
    assertTrue(unknown.body().contains("nobody.localhost"));

    table.put(new AppEntry("down-id", "down", true, true, 1, null, "https://example.com/down.html", List.of()));
    HttpResponse<String> maintenance = get("down", "/");
    assertEquals(503, maintenance.statusCode());
    assertTrue(maintenance.body().contains("<iframe src=\"https://example.com/down.html\""), maintenance.body());
    awaitLine("at=info code=H80 desc=\"Maintenance mode\"");

    table.put(new AppEntry("blank-id", "blank", false, false, 1, null, null, List.of()));
    assertEquals(503, get("blank", "/").statusCode());
    awaitLine("code=H81 desc=\"Blank app\"");

    app("none", 0);
    assertEquals(503, get("none", "/").statusCode());
    awaitLine("at=error code=H14 desc=\"No web processes running\"");

    table.put(new AppEntry("crashed-id", "crashed", false, true, 1, "https://example.com/error.html", null,
        List.of()));
    table.changed("crashed-id", "web.1", "crashed", 0);
    HttpResponse<String> crashed = get("crashed", "/");
    assertEquals(503, crashed.statusCode());
    assertTrue(crashed.body().contains("<iframe src=\"https://example.com/error.html\""), crashed.body());
    awaitLine("code=H10 desc=\"App crashed\"");
  }

  @Test
  void headsOverHerokusLimitsGet400() throws Exception {
    start();
    app("limits", 1);
    assertEquals(400, get("limits", "/" + "x".repeat(9000)).statusCode());
    assertEquals(400, send(HttpRequest.newBuilder(uri("/")).header("Host", "limits.localhost")
        .header("X-Big", "y".repeat(9000)).build()).statusCode());
    HttpRequest.Builder many = HttpRequest.newBuilder(uri("/")).header("Host", "limits.localhost");
    for (int i = 0; i < 1001; i++) {
      many.header("X-H" + i, "v");
    }
    assertEquals(400, send(many.build()).statusCode());
    // two Host headers are refused, not one of them believed; a head without Host too
    String twoHosts = raw("GET / HTTP/1.1\r\nHost: limits.localhost\r\nHost: other.localhost\r\n\r\n");
    assertTrue(twoHosts.startsWith("HTTP/1.1 400 ") && twoHosts.contains("more than one Host header"), twoHosts);
    String noHost = raw("GET / HTTP/1.0\r\n\r\n");
    assertTrue(noHost.startsWith("HTTP/1.1 400 ") && noHost.contains("no Host header"), noHost);
  }

  /** What the router answers to {@code request} written as it is, up to its closing the connection. */
  private String raw(String request) throws IOException {
    try (Socket client = new Socket("127.0.0.1", port)) {
      client.setSoTimeout(5000);
      client.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
      return new String(client.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
    }
  }

  @Test
  void bodiesStreamBothWaysAndWebSocketsPassThrough() throws Exception {
    start();
    ScriptedDyno dyno = dyno((request, out) -> {
      if ("websocket".equals(request.header("Upgrade"))) {
        out.write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII));
        out.flush();
        // after the switch the router passes raw bytes: these are echoed
        out.write(request.in().readNBytes(5));
        out.flush();
        return false;
      }
      out.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      String answer = "got " + request.body().length;
      out.write((Integer.toHexString(answer.length()) + "\r\n" + answer + "\r\n0\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      return true;
    });
    app("streams", 1);
    Backend web1 = up("streams", "web.1", dyno.port());
    byte[] upload = new byte[3 * 1024 * 1024];
    HttpResponse<String> r = send(HttpRequest.newBuilder(uri("/upload")).header("Host", "streams.localhost")
        .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(upload))).build());
    assertEquals("got " + upload.length, r.body(), "a chunked upload of 3 MB arrived whole");
    awaitIdle(web1);
    assertUpgradePassesThrough(dyno);
  }

  private void assertUpgradePassesThrough(ScriptedDyno dyno) throws Exception {
    try (Socket client = new Socket("127.0.0.1", port)) {
      client.setSoTimeout(5000);
      OutputStream out = client.getOutputStream();
      out.write(("GET /ws HTTP/1.1\r\nHost: streams.localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = client.getInputStream();
      String head = ScriptedDyno.readHead(in);
      assertTrue(head.startsWith("HTTP/1.1 101"), head);
      out.write("hello".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      assertEquals("hello", new String(in.readNBytes(5), StandardCharsets.US_ASCII));
    }
    awaitLine("status=101");
  }

  @Test
  void aRequestForAnIdledAppWakesItAndWaitsForItToBeUp() throws Exception {
    start();
    ScriptedDyno sleepy = dyno((request, out) -> {
      ScriptedDyno.ok(out, "awake");
      return true;
    });
    app("sleepy", 1);
    table.changed("sleepy-id", "web.1", "idle", 0);
    Thread waker = new Thread(() -> {
      try {
        Thread.sleep(300);
      } catch (InterruptedException e) {
        return;
      }
      table.changed("sleepy-id", "web.1", "up", sleepy.port());
    });
    waker.start();
    assertEquals("awake", get("sleepy", "/").body());
    assertTrue(woken.contains("sleepy-id"));
  }

  private static int closedPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
