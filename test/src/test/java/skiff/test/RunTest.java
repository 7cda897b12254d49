package skiff.test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.InputStream;
import java.util.Map;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import skiff.platform.node.SkiffNode;

/** One-off dynos: `skiff run` attached over the TLS rendezvous, and `run:detached`. */
class RunTest {
  private static SkiffNode node;
  private static Api api;
  private static Path home;

  @BeforeAll
  static void start() throws Exception {
    home = TestNode.freshHome();
    node = TestNode.start(home);
    api = new Api(node.apiPort(), TestNode.TOKEN);
    DynoTest.deploy(api, node.apiPort(), Files.createTempDirectory("run"), "runner");
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  private static SkiffRun skiff(String stdin, String... args) throws Exception {
    return SkiffRun.process(Map.of("SKIFF_HOST", "http://127.0.0.1:" + node.apiPort(), "SKIFF_API_KEY", TestNode.TOKEN,
        "SKIFF_HOME", home.toString()), stdin, args);
  }

  @Test
  void attachedRunsPrintTheirDynoAndPassOnTheExitStatus() throws Exception {
    SkiffRun dyno = skiff("", "run", "-a", "runner", "--", "python3", "-c", "import os;print(os.environ[\"DYNO\"])");
    assertEquals(0, dyno.status(), dyno.out());
    assertTrue(dyno.out().strip().matches("run\\.\\d+"), dyno.out());
    SkiffRun three = skiff("", "run", "-a", "runner", "--", "sh", "-c", "exit 3");
    assertEquals(3, three.status(), three.out());
    SkiffRun typed = skiff("echo typed $((40+2))\nexit 0\n", "run", "-a", "runner", "--", "bash");
    assertEquals(0, typed.status(), typed.out());
    assertTrue(typed.out().contains("typed 42"), typed.out());
  }

  @Test
  void aCommandThatPrintsItsOwnCommandLineStillGetsItsExitStatus() throws Exception {
    // the dyno's shell runs `COMMAND; echo "<marker>$?"`: its command line shows the marker unexpanded
    SkiffRun echoed = skiff("", "run", "-a", "runner", "--", "sh", "-c",
        "tr '\\000' ' ' < /proc/$PPID/cmdline; echo; exit 4");
    assertEquals(4, echoed.status(), echoed.out());
    assertTrue(echoed.out().contains("skiff-command-exit-status: $?"), echoed.out());
  }

  @Test
  void detachedRunsWriteToTheLogsAndShowInPsWhileTheyRun() throws Exception {
    SkiffRun started = skiff("", "run:detached", "-a", "runner", "--", "sh", "-c", "echo detached-hello; sleep 3");
    assertEquals(0, started.status(), started.out());
    String appId = api.get("/apps/runner").body().path("id").asText();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
    boolean shown = false;
    while (System.nanoTime() < deadline && !shown) {
      for (JsonNode d : api.get("/apps/runner/dynos").body()) {
        shown |= d.path("type").asText().equals("run") && d.path("command").asText().contains("detached-hello");
      }
      Thread.sleep(100);
    }
    assertTrue(shown, "the one-off shows in ps while it runs");
    deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (System.nanoTime() < deadline && node.dynos().logs().recent(appId).stream()
        .noneMatch(l -> l.matches(".* app\\[run\\.\\d+\\]: detached-hello"))) {
      Thread.sleep(100);
    }
    assertTrue(node.dynos().logs().recent(appId).stream().anyMatch(l -> l.matches(".* app\\[run\\.\\d+\\]: detached-hello")));
  }

  @Test
  void aRendezvousWithAWrongSecretIsClosedAndRunsNothing() throws Exception {
    JsonNode dyno = api.post("/apps/runner/dynos", "{\"command\":\"echo should-not-run\",\"attach\":true}")
        .expect(201).body();
    URI attach = URI.create(dyno.path("attach_url").asText());
    assertEquals("rendezvous", attach.getScheme());
    javax.net.ssl.SSLContext tls = javax.net.ssl.SSLContext.getInstance("TLS");
    tls.init(null, new javax.net.ssl.TrustManager[] {new javax.net.ssl.X509TrustManager() {
      public void checkClientTrusted(java.security.cert.X509Certificate[] c, String a) {}

      public void checkServerTrusted(java.security.cert.X509Certificate[] c, String a) {}

      public java.security.cert.X509Certificate[] getAcceptedIssuers() {
        return new java.security.cert.X509Certificate[0];
      }
    }}, null);
    try (SSLSocket socket = (SSLSocket) tls.getSocketFactory().createSocket(attach.getHost(), attach.getPort())) {
      socket.getOutputStream().write("not-the-secret\r\n".getBytes(StandardCharsets.US_ASCII));
      socket.getOutputStream().flush();
      InputStream in = socket.getInputStream();
      assertEquals(-1, in.read(), "closed without a word");
    }
    String appId = api.get("/apps/runner").body().path("id").asText();
    List<String> lines = node.dynos().logs().recent(appId);
    assertFalse(lines.stream().anyMatch(l -> l.contains("should-not-run") && l.contains("Starting process")), lines.toString());
    api.post("/apps/runner/dynos", "{}").expectError(422, "invalid_params", "command");
  }
}
