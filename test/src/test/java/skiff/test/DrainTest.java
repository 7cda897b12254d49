package skiff.test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import skiff.platform.node.SkiffNode;

/** Log drains: syslog over TCP with octet counting, and Logplex-style HTTP batches. */
class DrainTest {
  private static SkiffNode node;
  private static Api api;
  private static String appId;

  @BeforeAll
  static void start() throws Exception {
    node = TestNode.start(TestNode.freshHome());
    api = new Api(node.apiPort(), TestNode.TOKEN);
    RouterTest.deployNode(api, node.apiPort(), Files.createTempDirectory("drains"), "drained", 1);
    appId = api.get("/apps/drained").body().path("id").asText();
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  @Test
  void aSyslogDrainReceivesOctetCountedRfc5424Frames() throws Exception {
    try (ServerSocket listener = new ServerSocket(0)) {
      JsonNode drain = api.post("/apps/drained/log-drains", "{\"url\":\"syslog://127.0.0.1:" + listener.getLocalPort()
          + "\"}").expect(201).body();
      String token = drain.path("token").asText();
      assertTrue(token.matches("d\\.[0-9a-f-]{36}"), token);
      listener.setSoTimeout(10_000);
      RouterTest.through(node.routerPort(), "drained", "/say?m=to-syslog", Map.of()); // the drain connects on its first line
      try (Socket socket = listener.accept()) {
        InputStream in = socket.getInputStream();
        StringBuilder received = new StringBuilder();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        byte[] buffer = new byte[65536];
        socket.setSoTimeout(500);
        while (System.nanoTime() < deadline && !received.toString().contains("said to-syslog")) {
          try {
            int n = in.read(buffer);
            if (n > 0) {
              received.append(new String(buffer, 0, n, StandardCharsets.UTF_8));
            }
          } catch (java.net.SocketTimeoutException again) {
            // keep reading until the deadline
          }
        }
        String stream = received.toString();
        Matcher frame = Pattern.compile("(\\d+) (<190>1 \\S+ " + Pattern.quote(token) + " app web\\.1 - - said to-syslog)")
            .matcher(stream);
        assertTrue(frame.find(), stream);
        assertEquals(Integer.parseInt(frame.group(1)), frame.group(2).getBytes(StandardCharsets.UTF_8).length);
      }
      api.delete("/apps/drained/log-drains/" + token).expect(200);
    }
  }

  @Test
  void anHttpDrainReceivesLogplexBatchesAndADeadDrainDoesNotSlowTheApp() throws Exception {
    List<String> bodies = new CopyOnWriteArrayList<>();
    List<String> counts = new CopyOnWriteArrayList<>();
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/logs", exchange -> {
      bodies.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
      counts.add(exchange.getRequestHeaders().getFirst("Logplex-Msg-Count") + " "
          + exchange.getRequestHeaders().getFirst("Content-Type") + " "
          + exchange.getRequestHeaders().getFirst("Logplex-Drain-Token"));
      exchange.sendResponseHeaders(204, -1);
      exchange.close();
    });
    server.start();
    String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/logs";
    api.post("/apps/drained/log-drains", "{\"url\":\"" + url + "\"}").expect(201);
    RouterTest.through(node.routerPort(), "drained", "/say?m=to-http", Map.of());
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (System.nanoTime() < deadline && bodies.stream().noneMatch(b -> b.contains("said to-http"))) {
      Thread.sleep(50);
    }
    String body = bodies.stream().filter(b -> b.contains("said to-http")).findFirst().orElseThrow();
    assertTrue(body.matches("(?s)\\d+ <\\d+>1 .*"), body);
    assertTrue(body.contains(" host app web.1 - said to-http"), body);
    assertTrue(counts.get(0).contains("application/logplex-1") && counts.get(0).contains("d."), counts.toString());
    server.stop(0);

    // the drain is gone: lines keep flowing to the app's log at full speed and the loss is reported
    long start = System.nanoTime();
    for (int i = 0; i < 5000; i++) {
      node.dynos().logs().append(appId, "app", "web.1", "flood " + i);
    }
    long micros = (System.nanoTime() - start) / 1000;
    assertTrue(micros < 2_000_000, "appending 5000 lines with a dead drain took " + micros + " us");
    deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (System.nanoTime() < deadline && node.dynos().logs().recent(appId).stream()
        .noneMatch(l -> l.contains("heroku[logplex]: Error L10 (output buffer overflow)"))) {
      Thread.sleep(100);
    }
    assertTrue(node.dynos().logs().recent(appId).stream()
        .anyMatch(l -> l.contains("heroku[logplex]: Error L10 (output buffer overflow)")));
  }

  @Test
  void badDrainsAreRefused() {
    api.post("/apps/drained/log-drains", "{\"url\":\"ftp://x.example.com\"}").expectError(422, "invalid_params",
        "not a drain URL");
    api.post("/apps/drained/log-drains", "{\"url\":\"syslog://no-port.example.com\"}").expectError(422,
        "invalid_params", "needs a port");
    api.post("/apps/drained/log-drains", "{}").expectError(422, "invalid_params", "url is required");
    api.delete("/apps/drained/log-drains/d.nope").expectError(404, "not_found", "drain");
  }
}
