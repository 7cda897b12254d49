package skiff.http.router;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static skiff.http.router.Eventually.await;

import java.net.InetSocketAddress;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two nodes' routers (real sockets, scripted dynos): a request through one router for a dyno of the
 * other node goes through that node's router to that process, is logged once, by the first
 * router, and a hop that names a process the other node does not have is sent elsewhere, never to
 * a second dyno after reaching one. A hop without the cluster's secret is an ordinary request.
 */
class HopTest {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private static final byte[] SECRET = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
  private final Queue<String> linesA = new ConcurrentLinkedQueue<>();
  private final Queue<String> linesB = new ConcurrentLinkedQueue<>();
  private final List<AutoCloseable> closing = new ArrayList<>();
  private final RoutingTable tableA = new RoutingTable("localhost", DynoEndpoint::loopback, "a");
  private final RoutingTable tableB = new RoutingTable("localhost", DynoEndpoint::loopback, "b");
  private int portA;
  private int portB;

  @BeforeEach
  void start() throws Exception {
    portA = router(tableA, linesA);
    portB = router(tableB, linesB);
    tableA.routerAt("b", new InetSocketAddress("127.0.0.1", portB));
    tableB.routerAt("a", new InetSocketAddress("127.0.0.1", portA));
  }

  @AfterEach
  void close() throws Exception {
    for (AutoCloseable c : closing) {
      c.close();
    }
  }

  private int router(RoutingTable table, Queue<String> lines) throws Exception {
    Router router = new Router(table, (appId, source, dyno, message) -> lines.add(source + "[" + dyno + "]: "
        + message), new RouterSettings(Duration.ofSeconds(2), Duration.ofSeconds(5), "localhost", false, id -> { },
        SECRET, 2));
    closing.add(router);
    return router.listen("127.0.0.1", 0, null);
  }

  private ScriptedDyno dyno(ScriptedDyno.Script script) throws Exception {
    ScriptedDyno dyno = new ScriptedDyno(script);
    closing.add(dyno);
    return dyno;
  }

  private ScriptedDyno echo() throws Exception {
    return dyno((request, out) -> {
      ScriptedDyno.ok(out, request.head());
      return true;
    });
  }

  private void app(String name, int webs) {
    AppEntry app = new AppEntry(name + "-id", name, false, true, webs, null, null, List.of());
    tableA.put(app);
    tableB.put(app);
  }

  /** A web dyno of node b, as both tables hear of it. */
  private void onB(String app, String dyno, int port) {
    tableB.changed(app + "-id", dyno, "up", port, "b");
    tableA.changed(app + "-id", dyno, "up", port, "b");
  }

  private static HttpResponse<String> send(int port, String app, HttpRequest.Builder request) throws Exception {
    return HTTP.send(request.uri(URI.create("http://127.0.0.1:" + port + "/")).header("Host", app + ".localhost")
        .build(), HttpResponse.BodyHandlers.ofString());
  }

  private static void awaitIdle(RoutingTable table, String appId) throws InterruptedException {
    for (Backend b : table.snapshot().byId().get(appId).backends()) {
      await(() -> b.outstanding() == 0, b + " back to 0 outstanding");
    }
  }

  @Test
  void aDynoOnAnotherNodeIsServedThroughThatNodesRouterAndLoggedOnceByTheFirst() throws Exception {
    ScriptedDyno dyno = echo();
    app("far", 1);
    onB("far", "web.1", dyno.port());
    Backend remote = tableA.snapshot().byId().get("far-id").backends().get(0);
    assertEquals("b", remote.node());

    HttpResponse<String> r = send(portA, "far", HttpRequest.newBuilder().header("X-Request-Id",
        "hop-request-id-0123456789"));
    assertEquals(200, r.statusCode());
    String head = r.body();
    assertTrue(head.contains("X-Forwarded-For: 127.0.0.1\r\n"), "one router's address, not two: " + head);
    assertTrue(head.contains("X-Forwarded-Port: " + portA + "\r\n"), "the port the client used: " + head);
    assertTrue(head.contains("X-Request-Id: hop-request-id-0123456789\r\n"), head);
    assertFalse(head.toLowerCase().contains("x-skiff"), "the hop's headers stay between routers: " + head);
    await(() -> linesA.stream().anyMatch(l -> l.contains("dyno=web.1") && l.contains("status=200")),
        "node a's router log line, in " + linesA);
    Thread.sleep(200);
    assertTrue(linesB.isEmpty(), "node b's router writes no second line: " + linesB);
    assertEquals(1, dyno.requests.get());
    awaitIdle(tableA, "far-id");
    awaitIdle(tableB, "far-id");
  }

  @Test
  void aHopWithoutTheSecretIsAnOrdinaryRequestWithoutItsHeaders() throws Exception {
    ScriptedDyno dyno = echo();
    app("plain", 1);
    onB("plain", "web.1", dyno.port());
    HttpResponse<String> r = send(portB, "plain", HttpRequest.newBuilder().header("X-Skiff-Hop", "guess")
        .header("X-Skiff-Hop-Target", "plain-id web.1 " + dyno.port()));
    assertEquals(200, r.statusCode());
    assertFalse(r.body().toLowerCase().contains("x-skiff"), r.body());
    assertTrue(r.body().contains("X-Forwarded-For: 127.0.0.1\r\n"), "routed as any request: " + r.body());
    await(() -> linesB.stream().anyMatch(l -> l.contains("dyno=web.1")), "node b logs it as its own request");

    // with no secret at all, a router takes no hops
    RoutingTable table = new RoutingTable("localhost");
    table.put(new AppEntry("plain-id", "plain", false, true, 1, null, null, List.of()));
    table.changed("plain-id", "web.1", "up", dyno.port());
    Router open = new Router(table, (appId, source, d, message) -> { }, new RouterSettings(Duration.ofSeconds(2),
        Duration.ofSeconds(5), "localhost", false, id -> { }));
    closing.add(open);
    int port = open.listen("127.0.0.1", 0, null);
    HttpResponse<String> empty = send(port, "plain", HttpRequest.newBuilder().header("X-Skiff-Hop", "")
        .header("X-Skiff-Hop-Target", "plain-id web.1 " + dyno.port()));
    assertEquals(200, empty.statusCode());
    assertTrue(empty.body().contains("X-Forwarded-For: 127.0.0.1\r\n"), empty.body());
  }

  @Test
  void aHopToAProcessTheOtherNodeDoesNotHaveGoesElsewhereOrIsH21() throws Exception {
    ScriptedDyno local = echo();
    ScriptedDyno stale = echo();
    app("moved", 2);
    // node a still thinks web.1 runs on b; b has never heard of that process
    tableA.changed("moved-id", "web.1", "up", stale.port(), "b");
    tableA.changed("moved-id", "web.2", "up", local.port(), "a");
    for (int i = 0; i < 10; i++) {
      HttpResponse<String> r = send(portA, "moved", HttpRequest.newBuilder()
          .POST(HttpRequest.BodyPublishers.noBody()));
      assertEquals(200, r.statusCode(), "a bodyless request the other node could not take goes elsewhere");
    }
    assertEquals(10, local.requests.get());
    assertEquals(0, stale.requests.get(), "node b's router never reached past itself");
    awaitIdle(tableA, "moved-id");

    app("gone", 1);
    tableA.changed("gone-id", "web.1", "up", stale.port(), "b");
    HttpResponse<String> r = send(portA, "gone", HttpRequest.newBuilder()
        .POST(HttpRequest.BodyPublishers.ofString("{\"pay\":100}")));
    assertEquals(503, r.statusCode());
    await(() -> linesA.stream().anyMatch(l -> l.contains("code=H21")), "H21 in node a's log: " + linesA);
    assertEquals(0, stale.requests.get());
    assertNull(tableB.snapshot().processes().get(Hop.target("gone-id", "web.1", stale.port())));
  }

  @Test
  void anHCodeOfTheOtherNodesRouterIsLoggedByTheFirst() throws Exception {
    ScriptedDyno closer = dyno((request, out) -> false);
    app("closer", 1);
    onB("closer", "web.1", closer.port());
    HttpResponse<String> r = send(portA, "closer", HttpRequest.newBuilder()
        .POST(HttpRequest.BodyPublishers.ofString("{\"pay\":100}")));
    assertEquals(503, r.statusCode());
    assertTrue(r.body().contains("H13"), r.body());
    assertFalse(r.headers().map().keySet().stream().anyMatch(h -> h.toLowerCase().startsWith("x-skiff")),
        r.headers().map().toString());
    await(() -> linesA.stream().anyMatch(l -> l.contains("code=H13") && l.contains("dyno=web.1")),
        "node a logs node b's H13: " + linesA);
    assertEquals(1, closer.requests.get(), "the POST reached the dyno once");
    awaitIdle(tableA, "closer-id");
    awaitIdle(tableB, "closer-id");
  }
}
