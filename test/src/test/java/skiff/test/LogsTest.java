package skiff.test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import skiff.platform.node.SkiffNode;

/** Log sessions: history, filters, tails and resuming, as `skiff logs` and `heroku logs` use them. */
class LogsTest {
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static SkiffNode node;
  private static Api api;

  @BeforeAll
  static void start() throws Exception {
    node = TestNode.start(TestNode.freshHome());
    api = new Api(node.apiPort(), TestNode.TOKEN);
    RouterTest.deployNode(api, node.apiPort(), Files.createTempDirectory("logs"), "chatty", 1);
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  private static String session(String json) {
    return api.post("/apps/chatty/log-sessions", json).expect(201).body().path("logplex_url").asText();
  }

  /** The data lines of a finished (non-tail) stream, and the last event id. */
  private static List<String> read(String url, String lastEventId) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).header("Accept", "text/event-stream");
    if (lastEventId != null) {
      b.header("Last-Event-ID", lastEventId);
    }
    HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode());
    assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream"));
    assertTrue(r.body().startsWith("retry: 200"));
    List<String> out = new ArrayList<>();
    r.body().lines().forEach(l -> {
      if (l.startsWith("data: ") || l.startsWith("id: ")) {
        out.add(l);
      }
    });
    return out;
  }

  private static List<String> data(List<String> events) {
    return events.stream().filter(l -> l.startsWith("data: ")).map(l -> l.substring(6)).toList();
  }

  @Test
  void aTailShowsTheRouterLineAndTheAppsOwnLineWithinASecond() throws Exception {
    HttpResponse<InputStream> tail = HTTP.send(HttpRequest.newBuilder(URI.create(session("{\"tail\":true,\"lines\":1}")))
        .build(), HttpResponse.BodyHandlers.ofInputStream());
    BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    Thread reader = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(tail.body(), StandardCharsets.UTF_8))) {
        for (String l; (l = in.readLine()) != null; ) {
          if (l.startsWith("data: ")) {
            lines.add(l.substring(6));
          }
        }
      } catch (Exception ignored) {
        // closed at the end of the test
      }
    });
    reader.setDaemon(true);
    reader.start();
    lines.poll(2, TimeUnit.SECONDS); // the one line of history
    lines.clear();
    long sent = System.nanoTime();
    assertEquals(200, RouterTest.through(node.routerPort(), "chatty", "/say?m=hello-tail", Map.of()).statusCode());
    boolean sawApp = false;
    boolean sawRouter = false;
    // a second when the machine is quiet (LogBench measures the delay); test classes share two cores
    while (!(sawApp && sawRouter) && System.nanoTime() - sent < TimeUnit.SECONDS.toNanos(3)) {
      String line = lines.poll(100, TimeUnit.MILLISECONDS);
      if (line != null) {
        sawApp |= line.matches("\\d{4}-\\d\\d-\\d\\dT[0-9:.]{15}\\+00:00 app\\[web\\.1\\]: said hello-tail");
        sawRouter |= line.contains("heroku[router]: at=info method=GET path=\"/say?m=hello-tail\"");
      }
    }
    assertTrue(sawApp && sawRouter, "both lines within 3 s (app " + sawApp + ", router " + sawRouter + ")");
  }

  @Test
  void historyIsLimitedFilteredAndResumable() throws Exception {
    for (int i = 0; i < 5; i++) {
      RouterTest.through(node.routerPort(), "chatty", "/say?m=line-" + i, Map.of());
    }
    List<String> three = data(read(session("{\"lines\":3}"), null));
    assertEquals(3, three.size());
    List<String> appOnly = data(read(session("{\"lines\":1500,\"source\":\"app\",\"dyno\":\"web\"}"), null));
    assertTrue(appOnly.stream().allMatch(l -> l.contains(" app[web.1]: ")), appOnly.toString());
    assertTrue(appOnly.stream().anyMatch(l -> l.endsWith("said line-4")));
    List<String> router = data(read(session("{\"dyno\":\"router\"}"), null));
    assertTrue(!router.isEmpty() && router.stream().allMatch(l -> l.contains("heroku[router]:")));
    List<String> api1 = data(read(session("{\"dyno\":\"api\",\"lines\":1500}"), null));
    assertTrue(api1.stream().anyMatch(l -> l.contains("app[api]: Release v2 created by user admin@skiff.local")),
        api1.toString());

    String url = session("{\"lines\":1500}");
    List<String> all = read(url, null);
    String middleId = all.stream().filter(l -> l.startsWith("id: ")).toList().get(2).substring(4);
    List<String> resumed = data(read(url, middleId));
    assertEquals(data(all).subList(3, data(all).size()), resumed, "everything after the given event, nothing twice");
  }

  @Test
  void aTailThatCannotKeepUpIsToldHowManyLinesItMissed() throws Exception {
    // an app of its own: the flood would push the other tests' lines out of the shared history
    RouterTest.deployNode(api, node.apiPort(), Files.createTempDirectory("flood"), "flooded", 1);
    URI url = URI.create(api.post("/apps/flooded/log-sessions", "{\"tail\":true,\"lines\":1}").expect(201).body()
        .path("logplex_url").asText());
    try (java.net.Socket reader = new java.net.Socket()) {
      // a reader that stops reading, with a small window, so the session's own buffer fills up
      reader.setReceiveBufferSize(4096);
      reader.connect(new java.net.InetSocketAddress(url.getHost(), url.getPort()));
      reader.setSoTimeout(30_000);
      reader.getOutputStream().write(("GET " + url.getRawPath() + " HTTP/1.1\r\nHost: " + url.getHost()
          + "\r\nAccept: text/event-stream\r\n\r\n").getBytes(StandardCharsets.UTF_8));
      reader.getOutputStream().flush();
      Thread.sleep(500);
      assertEquals(200, RouterTest.through(node.routerPort(), "flooded", "/flood?n=150000", Map.of()).statusCode());
      BlockingQueue<String> lines = new LinkedBlockingQueue<>();
      Thread pump = new Thread(() -> {
        try {
          BufferedReader in = new BufferedReader(new InputStreamReader(reader.getInputStream(), StandardCharsets.UTF_8));
          for (String line = in.readLine(); line != null; line = in.readLine()) {
            lines.add(line);
          }
        } catch (java.io.IOException closed) {
          // the test is over
        }
      }, "slow-tail");
      pump.setDaemon(true);
      pump.start();
      List<String> seen = new ArrayList<>();
      for (String line = lines.poll(3, TimeUnit.SECONDS); line != null; line = lines.poll(3, TimeUnit.SECONDS)) {
        seen.add(line);
      }
      // drained: the notice goes out with the next line there is room for
      assertEquals(200, RouterTest.through(node.routerPort(), "flooded", "/say?m=after-flood", Map.of()).statusCode());
      String line = lines.poll(10, TimeUnit.SECONDS);
      for (; line != null && !line.contains("said after-flood"); line = lines.poll(10, TimeUnit.SECONDS)) {
        seen.add(line);
      }
      assertTrue(line != null, "the line after the flood arrived");
      long floodLines = seen.stream().filter(l -> l.contains("flood line ")).count();
      String notice = seen.stream().filter(l -> l.contains("heroku[logplex]: Error L11")).findFirst().orElse(null);
      assertTrue(notice != null, "no L11 notice after " + floodLines + " flood lines");
      var m = java.util.regex.Pattern.compile("Error L11 \\(Tail buffer overflow\\) -> This tail session dropped "
          + "(\\d+) messages since \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\+00:00$").matcher(notice);
      assertTrue(m.find(), notice);
      assertTrue(Long.parseLong(m.group(1)) > 0 && floodLines < 150_000, notice + " after " + floodLines + " lines");
    }
  }

  @Test
  void badSessionsAreRefused() throws Exception {
    api.post("/apps/chatty/log-sessions", "{\"dyno\":\"clock.1\"}").expectError(422, "invalid_params", "clock.1");
    api.post("/apps/chatty/log-sessions", "{\"source\":\"kernel\"}").expectError(422, "invalid_params", "kernel");
    api.post("/apps/chatty/log-sessions", "{\"lines\":5000}").expectError(422, "invalid_params", "1500");
    api.post("/apps/no-such/log-sessions", "{}").expectError(404, "not_found", "app");
    JsonNode ok = api.post("/apps/chatty/log-sessions", "{}").expect(201).body();
    assertTrue(ok.path("logplex_url").asText().contains("/streams/logs/"));
    HttpResponse<String> unknown = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.apiPort()
        + "/streams/logs/00000000-0000-0000-0000-000000000000")).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(404, unknown.statusCode());
  }

  @Test
  void theLogSessionUrlIsOnTheSchemeHostAndPortTheClientUsed() throws Exception {
    String post = "{\"lines\":1}";
    HttpResponse<String> named = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.apiPort()
        + "/apps/chatty/log-sessions")).header("Host", "skiff.example.test:" + node.apiPort())
        .header("Authorization", "Bearer " + TestNode.TOKEN).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(post)).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(201, named.statusCode(), named.body());
    assertTrue(Api.JSON.readTree(named.body()).path("logplex_url").asText()
        .startsWith("http://skiff.example.test:" + node.apiPort() + "/streams/logs/"), named.body());

    HttpClient tls = TestTls.client(node.caPem());
    HttpResponse<String> secure = tls.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + node.apiTlsPort()
        + "/apps/chatty/log-sessions")).header("Authorization", "Bearer " + TestNode.TOKEN)
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(post)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(201, secure.statusCode(), secure.body());
    String url = Api.JSON.readTree(secure.body()).path("logplex_url").asText();
    assertTrue(url.startsWith("https://127.0.0.1:" + node.apiTlsPort() + "/streams/logs/"), url);
    HttpResponse<String> lines = tls.send(HttpRequest.newBuilder(URI.create(url)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, lines.statusCode());
  }
}
