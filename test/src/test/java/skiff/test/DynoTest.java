package skiff.test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import skiff.platform.node.SkiffNode;

/** Formation dynos as real, isolated processes: scaling, crashes and cooldown, memory, releases. */
class DynoTest {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private static SkiffNode node;
  private static Api api;
  private static Path home;
  private static Path work;

  @BeforeAll
  static void start() throws Exception {
    home = TestNode.freshHome();
    work = Files.createTempDirectory("skiff-dynos");
    Map<String, String> env = TestNode.env(home);
    env.put("SKIFF_CRASH_COOLDOWN", "20s");
    env.put("SKIFF_DYNO_MEMORY", "48MB");
    env.put("SKIFF_BOOT_TIMEOUT", "20s");
    env.put("SKIFF_SIGTERM_GRACE", "3s");
    node = TestNode.start(env);
    api = new Api(node.apiPort(), TestNode.TOKEN);
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  static void deploy(Api api, int port, Path work, String app) throws Exception {
    api.post("/apps", "{\"name\":\"" + app + "\"}").expect(201);
    Git git = Git.init(work.resolve(app));
    git.write("web.py", DynoApp.WEB).write("probe.py", DynoApp.PROBE).write("Procfile", DynoApp.PROCFILE)
        .write("requirements.txt", "").commit("dynos");
    Git.Result pushed = git.pushTo(port, app);
    assertEquals(0, pushed.status(), pushed.output());
  }

  /** How many of {@code dynos} (a dyno listing) are up on each node, by node name. */
  /** The formation's dynos up, by node (one-offs not counted). */
  static java.util.Map<String, Integer> upByNode(JsonNode dynos) {
    java.util.Map<String, Integer> byNode = new java.util.TreeMap<>();
    dynos.forEach(d -> {
      if (d.path("state").asText().equals("up") && !d.path("type").asText().equals("run")) {
        byNode.merge(d.path("node").asText(), 1, Integer::sum);
      }
    });
    return byNode;
  }

  static JsonNode dynos(Api api, String app) {
    return api.get("/apps/" + app + "/dynos").expect(200).body();
  }

  static JsonNode dyno(Api api, String app, String name) {
    for (JsonNode d : dynos(api, app)) {
      if (d.path("name").asText().equals(name)) {
        return d;
      }
    }
    throw new AssertionError("no dyno " + name + " in " + dynos(api, app));
  }

  static JsonNode awaitDyno(Api api, String app, String name, Predicate<JsonNode> condition, Duration within)
      throws InterruptedException {
    long deadline = System.nanoTime() + within.toNanos();
    JsonNode last = null;
    while (System.nanoTime() < deadline) {
      last = dyno(api, app, name);
      if (condition.test(last)) {
        return last;
      }
      Thread.sleep(50);
    }
    throw new AssertionError(name + " never got there; last seen: " + last);
  }

  /** GET straight from one web dyno (not through the router). */
  static String get(JsonNode dyno, String path) throws Exception {
    InetSocketAddress at = DynoAddress.of(dyno);
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://" + at.getHostString() + ":" + at.getPort() + path))
        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()).body();
  }

  /** SIGKILL to everything the dyno runs, as `kill -9` of its process would. */
  static void killDyno(JsonNode dyno) {
    ProcessHandle.of(dyno.path("pid").asLong()).ifPresent(p -> {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
    });
  }

  private static Predicate<JsonNode> state(String s) {
    return d -> d.path("state").asText().equals(s);
  }

  @Test
  void scaledDynosEachAnswerOnTheirOwnPortWithTheirOwnName() throws Exception {
    deploy(api, node.apiPort(), work, "scale-app");
    api.patch("/apps/scale-app/formation", "{\"updates\":[{\"type\":\"web\",\"quantity\":\"3\"},"
        + "{\"type\":\"worker\",\"quantity\":\"1\"}]}").expect(200);
    Set<InetSocketAddress> ports = new HashSet<>();
    for (String name : List.of("web.1", "web.2", "web.3")) {
      JsonNode d = awaitDyno(api, "scale-app", name, state("up"), Duration.ofSeconds(20));
      assertEquals(name, get(d, "/"));
      ports.add(DynoAddress.of(d));
    }
    assertEquals(3, ports.size());
    JsonNode worker = awaitDyno(api, "scale-app", "worker.1", state("up"), Duration.ofSeconds(20));
    assertEquals("python3 -c 'import time; print(\"worker running\", flush=True); time.sleep(3600)'",
        worker.path("command").asText());
    assertEquals(4, dynos(api, "scale-app").size());
    // each dyno names the node that runs it, as GET /nodes names this one
    String self = api.get("/nodes").body().get(0).path("name").asText();
    dynos(api, "scale-app").forEach(d -> assertEquals(self, d.path("node").asText(), d.toString()));

    api.patch("/apps/scale-app/formation", "{\"updates\":[{\"type\":\"web\",\"quantity\":\"1\"}]}").expect(200);
    List<String> names = new ArrayList<>();
    dynos(api, "scale-app").forEach(d -> names.add(d.path("name").asText()));
    assertEquals(List.of("web.1", "worker.1"), names);
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (System.nanoTime() < deadline && portsOpen(ports) > 1) {
      Thread.sleep(100);
    }
    assertEquals(1, portsOpen(ports), "web.2 and web.3 were stopped");
    assertTrue(node.dynos().logs().recent(api.get("/apps/scale-app").body().path("id").asText()).stream()
        .anyMatch(l -> l.contains("app[worker.1]: worker running")));
  }

  private static long portsOpen(Set<InetSocketAddress> ports) {
    return ports.stream().filter(p -> {
      try (java.net.Socket s = new java.net.Socket()) {
        s.connect(p, 1000);
        return true;
      } catch (Exception e) {
        return false;
      }
    }).count();
  }

  @Test
  void anotherNodeStartingAndStoppingOnTheMachineLeavesThisNodesDynosAlone() throws Exception {
    deploy(api, node.apiPort(), work, "neighbour-app");
    long pid = awaitDyno(api, "neighbour-app", "web.1", state("up"), Duration.ofSeconds(30)).path("pid").asLong();
    Path otherHome = TestNode.freshHome();
    try (SkiffNode other = TestNode.start(otherHome)) {
      assertTrue(other.apiPort() > 0);
    }
    try (SkiffNode again = TestNode.start(otherHome)) {
      assertTrue(again.apiPort() > 0);
    }
    assertTrue(ProcessHandle.of(pid).isPresent(), "the other node's start-up killed this node's dyno");
    JsonNode web = dyno(api, "neighbour-app", "web.1");
    assertEquals(pid, web.path("pid").asLong());
    assertEquals("up", web.path("state").asText());
  }

  @Test
  void aKilledDynoIsBackAtOnceButASecondCrashWaitsOutTheCooldown() throws Exception {
    deploy(api, node.apiPort(), work, "crash-app");
    JsonNode first = awaitDyno(api, "crash-app", "web.1", state("up"), Duration.ofSeconds(20));
    long killedAt = System.nanoTime();
    killDyno(first);
    JsonNode back = awaitDyno(api, "crash-app", "web.1",
        d -> d.path("state").asText().equals("up") && d.path("pid").asLong() != first.path("pid").asLong(),
        Duration.ofSeconds(2));
    System.out.printf("dyno crash to up again: %d ms%n", (System.nanoTime() - killedAt) / 1_000_000);
    assertEquals("web.1", get(back, "/"));

    killDyno(back);
    JsonNode crashed = awaitDyno(api, "crash-app", "web.1", state("crashed"), Duration.ofSeconds(5));
    Instant restartAt = Instant.parse(crashed.path("restart_at").asText());
    Duration wait = Duration.between(Instant.now(), restartAt);
    assertTrue(wait.toSeconds() >= 15 && wait.toSeconds() <= 21, "cooldown of 20 s, restart in " + wait);
    Thread.sleep(3000);
    assertEquals("crashed", dyno(api, "crash-app", "web.1").path("state").asText(), "still in its cooldown");
    awaitDyno(api, "crash-app", "web.1", state("up"), Duration.ofSeconds(25));
    assertFalse(Instant.now().isBefore(restartAt.minusSeconds(1)), "not restarted before the cooldown ended");
  }

  @Test
  void aDynoSeesOnlyItsOwnProcessesAndFiles() throws Exception {
    String app = "iso-app";
    deploy(api, node.apiPort(), work, app);
    api.patch("/apps/" + app + "/config-vars", "{\"LOOK_FOR\":\"" + home + "\"}").expect(200);
    api.patch("/apps/" + app + "/formation", "{\"updates\":[{\"type\":\"web\",\"quantity\":\"2\"}]}").expect(200);
    JsonNode one = awaitDyno(api, app, "web.1",
        d -> state("up").test(d) && d.path("release").path("version").asInt() == 3,
        Duration.ofSeconds(20));
    JsonNode two = awaitDyno(api, app, "web.2", state("up"), Duration.ofSeconds(20));
    boolean isolated = api.get("/status").body().path("isolated").asBoolean();
    System.out.println("dyno isolation on this host: " + api.get("/status").body().path("isolation").asText());
    get(one, "/write");
    JsonNode seenByOne = Api.JSON.readTree(get(one, "/look"));
    JsonNode seenByTwo = Api.JSON.readTree(get(two, "/look"));
    assertTrue(seenByOne.path("app").toString().contains("written-by-web.1"));
    assertFalse(seenByTwo.path("app").toString().contains("written-by-web.1"), "web.2 cannot see web.1's files");
    if (isolated) {
      assertEquals("/app", seenByOne.path("home").asText());
      assertTrue(seenByOne.path("pids").size() <= 3, "own processes only: " + seenByOne.path("pids"));
      List<Long> pids = new ArrayList<>();
      seenByTwo.path("pids").forEach(p -> pids.add(p.asLong()));
      assertFalse(pids.contains(ProcessHandle.current().pid()), "the platform's process is invisible");
      assertFalse(seenByOne.path("secret_visible").asBoolean(), "SKIFF_HOME (journal, tokens) is hidden");
      // by default a web dyno connects out (OutboundDenyTest shows the same route refused under deny)
      String mirror = java.net.InetAddress.getByName("deb.debian.org").getHostAddress();
      assertEquals("outbound allowed", get(one, "/outbound?ip=" + mirror));
    }
  }

  @Test
  void memoryOverTheQuotaLogsR14AndFarOverItKillsWithR15() throws Exception {
    String app = "mem-app";
    deploy(api, node.apiPort(), work, app);
    api.patch("/apps/" + app + "/formation", "{\"updates\":[{\"type\":\"hog\",\"quantity\":\"1\"}]}").expect(200);
    String appId = api.get("/apps/" + app).body().path("id").asText();
    boolean cgroups = api.get("/status").body().path("isolation").asText().contains("memory cgroup");
    if (!cgroups) {
      System.out.println("no memory cgroup on this host: R15 not checked");
      return;
    }
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (System.nanoTime() < deadline && node.dynos().logs().recent(appId).stream()
        .noneMatch(l -> l.contains("heroku[hog.1]: Error R15 (Memory quota vastly exceeded)"))) {
      Thread.sleep(100);
    }
    List<String> lines = node.dynos().logs().recent(appId);
    assertTrue(lines.stream().anyMatch(l -> l.contains("heroku[hog.1]: Error R15 (Memory quota vastly exceeded)")),
        String.join("\n", lines));
    assertTrue(lines.stream().anyMatch(l -> l.contains("heroku[hog.1]: Starting process with command")));
    awaitDyno(api, app, "hog.1", d -> d.has("exit_status") && d.path("exit_status").asInt() == 137,
        Duration.ofSeconds(10));
    System.out.println("R15 seen, via " + api.get("/status").body().path("isolation").asText());
  }

  @Test
  void codeInADynoRunsUnprivilegedAndCannotUndoItsSandbox() throws Exception {
    String app = "escape-app";
    deploy(api, node.apiPort(), work, app);
    if (!api.get("/status").body().path("isolated").asBoolean()) {
      System.out.println("no namespaces on this host: the escape attempts are not checked");
      return;
    }
    Path canary = Files.createTempFile("skiff-canary-", ".txt");
    Files.writeString(canary, "host secret");
    Files.setPosixFilePermissions(canary, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
    String range = TestNode.env(home).get("SKIFF_DYNO_PORT_RANGE");
    try (HostCanaryPort hostPort = new HostCanaryPort()) {
      api.patch("/apps/" + app + "/config-vars", "{\"LOOK_FOR\":\"" + home + "\",\"API_PORT\":\"" + node.apiPort()
          + "\",\"DYNO_PORTS\":\"" + range + "\",\"CANARY\":\"" + canary + "\"," + hostPort.configVars() + "}")
          .expect(200);
      api.patch("/apps/" + app + "/formation", "{\"updates\":[{\"type\":\"web\",\"quantity\":\"1\"},"
          + "{\"type\":\"probe\",\"quantity\":\"1\"}]}").expect(200);
      JsonNode web = awaitDyno(api, app, "web.1", state("up"), Duration.ofSeconds(20));
      String appId = api.get("/apps/" + app).body().path("id").asText();
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      List<String> lines = List.of();
      while (System.nanoTime() < deadline) {
        lines = node.dynos().logs().recent(appId).stream().filter(l -> l.contains("app[probe.1]")).toList();
        if (lines.stream().anyMatch(l -> l.contains("probe done"))) {
          break;
        }
        Thread.sleep(200);
      }
      String all = String.join("\n", lines);
      assertTrue(all.contains("probe done"), all);
      assertFalse(all.contains("uid 0"), "the app's code does not run as root: " + all);
      assertFalse(all.contains("ESCAPE"), all);
      assertEquals(17, lines.stream().filter(l -> l.contains(": held ")).count(), all);
      assertEquals(0, hostPort.connections(), "no dyno reached the host's service");
      // the neighbour attack means something only if this app's own web dyno was among the neighbours tried
      String link = lines.stream().filter(l -> l.contains(": link ")).findFirst().orElseThrow()
          .replaceAll(".*: link ", "").strip();
      int probeAt = java.nio.ByteBuffer.wrap(java.net.InetAddress.getByName(link).getAddress()).getInt();
      int webAt = java.nio.ByteBuffer.wrap(DynoAddress.of(web).getAddress().getAddress()).getInt();
      assertTrue(Math.abs(probeAt - webAt) <= 8 && Math.abs(probeAt - webAt) % 2 == 0,
          "web.1 at " + DynoAddress.of(web) + " was among the probe's neighbours (" + link + ")");
      assertEquals("web.1", get(web, "/"), "while the host reaches it");
      assertFalse(java.nio.file.Files.exists(java.nio.file.Path.of("/tmp/skiff-probe-probe.1")),
          "a dyno's /tmp is its own, not the host's");
      assertTrue(all.contains("Debian GNU/Linux 12 (bookworm)"), "the dyno runs on its stack: " + all);
      assertTrue(all.contains("outbound allowed"), "outbound connections are allowed by default: " + all);
      int high = Integer.parseInt(range.split("-")[1]);
      for (int port = high - 49; port <= high; port++) {
        try (java.net.ServerSocket free = new java.net.ServerSocket()) {
          free.bind(new java.net.InetSocketAddress("0.0.0.0", port));
        } // a port the dyno holds inside its namespace is still free on the host, for another dyno
      }
      for (int port : new int[] {31337, 31338}) {
        try (java.net.Socket s = new java.net.Socket()) {
          s.connect(new java.net.InetSocketAddress("127.0.0.1", port), 1000);
          throw new AssertionError("a port the dyno listens on reached the host: " + port);
        } catch (java.io.IOException refused) {
          // the dyno's listening sockets are in its own network namespace
        }
      }
      // the app's processes are nobody on the host too, not root mapped to another id
      List<ProcessHandle> probes = ProcessHandle.allProcesses()
          .filter(p -> p.info().command().orElse("").contains("python")
              && p.info().commandLine().orElse("").contains("probe.py")).toList();
      assertFalse(probes.isEmpty(), "the probe's process is found on the host");
      for (ProcessHandle p : probes) {
        Object uid = java.nio.file.Files.getAttribute(java.nio.file.Path.of("/proc/" + p.pid()), "unix:uid");
        assertEquals(65534, uid, "host uid of the dyno's process " + p.pid());
      }
      api.patch("/apps/" + app + "/formation", "{\"updates\":[{\"type\":\"probe\",\"quantity\":\"0\"}]}").expect(200);
    }
  }

  @Test
  void aForkBombStopsAtTheDynosProcessLimitAndTheNodeCarriesOn() throws Exception {
    String app = "fork-app";
    deploy(api, node.apiPort(), work, app);
    if (!api.get("/status").body().path("isolation").asText().contains("pids ")) {
      System.out.println("no pids cgroup on this host: the process limit is not checked");
      return;
    }
    api.patch("/apps/" + app + "/formation", "{\"updates\":[{\"type\":\"forker\",\"quantity\":\"1\"}]}").expect(200);
    String appId = api.get("/apps/" + app).body().path("id").asText();
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    String line = null;
    while (line == null && System.nanoTime() < deadline) {
      line = node.dynos().logs().recent(appId).stream().filter(l -> l.contains("app[forker.1]: fork")).findFirst()
          .orElse(null);
      Thread.sleep(200);
    }
    assertTrue(line != null && line.contains("fork stopped at"), "1,000 forks stop at the limit: " + line);
    int forked = Integer.parseInt(line.replaceAll(".*fork stopped at (\\d+).*", "$1"));
    assertTrue(forked < 256 && forked > 200, "a Basic dyno may have 256 processes and threads: " + line);
    api.get("/apps/" + app).expect(200); // the node carries on
    api.patch("/apps/" + app + "/formation", "{\"updates\":[{\"type\":\"forker\",\"quantity\":\"0\"}]}").expect(200);
  }

  @Test
  void aConfigChangeKeepsAWebDynoUpThroughout() throws Exception {
    String app = "zero-app";
    deploy(api, node.apiPort(), work, app);
    api.patch("/apps/" + app + "/formation", "{\"updates\":[{\"type\":\"web\",\"quantity\":\"2\"}]}").expect(200);
    awaitDyno(api, app, "web.1", state("up"), Duration.ofSeconds(20));
    awaitDyno(api, app, "web.2", state("up"), Duration.ofSeconds(20));
    api.patch("/apps/" + app + "/config-vars", "{\"CHANGED\":\"yes\"}").expect(200);
    int samples = 0;
    int answered = 0;
    long deadline = System.nanoTime() + Duration.ofSeconds(4).toNanos();
    while (System.nanoTime() < deadline) {
      JsonNode all = dynos(api, app);
      long up = 0;
      boolean someoneAnswered = false;
      for (JsonNode d : all) {
        if (d.path("state").asText().equals("up")) {
          up++;
          // a process told to stop a moment ago may refuse; the router retries another dyno likewise
          someoneAnswered |= answers(d);
        }
      }
      assertTrue(up >= 1, "a web dyno was up at every moment; sample " + samples + ": " + all);
      if (!someoneAnswered) {
        // the list may be a moment old (the old process stopped once its successor was up): ask
        // again, as the router would retry with its next snapshot
        for (JsonNode d : dynos(api, app)) {
          someoneAnswered |= d.path("state").asText().equals("up") && answers(d);
        }
      }
      answered += someoneAnswered ? 1 : 0;
      samples++;
      Thread.sleep(20);
    }
    assertTrue(samples > 20 && answered >= samples, samples + " samples, " + answered + " answers");
    for (String name : List.of("web.1", "web.2")) {
      awaitDyno(api, app, name, d -> d.path("release").path("version").asInt() == 3 && state("up").test(d),
          Duration.ofSeconds(10));
    }
  }

  private static boolean answers(JsonNode dyno) {
    try {
      return get(dyno, "/").startsWith("web.");
    } catch (Exception refused) {
      return false;
    }
  }

  @Test
  void restartingATypeOrOneDynoReplacesItsProcess() throws Exception {
    String app = "restart-app";
    deploy(api, node.apiPort(), work, app);
    JsonNode before = awaitDyno(api, app, "web.1", state("up"), Duration.ofSeconds(20));
    api.delete("/apps/" + app + "/dynos/web.1").expect(202);
    awaitDyno(api, app, "web.1", d -> state("up").test(d) && d.path("pid").asLong() != before.path("pid").asLong(),
        Duration.ofSeconds(10));
    api.delete("/apps/" + app + "/dynos/clock").expectError(404, "not_found", "clock");
    JsonNode mid = dyno(api, app, "web.1");
    api.delete("/apps/" + app + "/dynos").expect(202);
    awaitDyno(api, app, "web.1", d -> state("up").test(d) && d.path("pid").asLong() != mid.path("pid").asLong(),
        Duration.ofSeconds(10));
    assertNotEquals(0, dyno(api, app, "web.1").path("port").asInt());
  }

  @Test
  void theReleaseCommandRunsBeforeAReleaseGoesLiveAndItsFailureKeepsTheOldOne() throws Exception {
    String app = "phase-app";
    api.post("/apps", "{\"name\":\"" + app + "\"}").expect(201);
    Git git = Git.init(work.resolve(app));
    String remote = "http://h:" + TestNode.TOKEN + "@127.0.0.1:" + node.apiPort() + "/" + app + ".git";
    git.write("web.py", DynoApp.WEB).write("requirements.txt", "")
        .write("Procfile", "web: python3 web.py\nrelease: echo migrating the database\n").commit("with release");
    Git.Result ok = git.run("push", remote, "main");
    assertEquals(0, ok.status(), ok.output());
    assertTrue(ok.output().contains("remote: -----> Running release command..."), ok.output());
    JsonNode v2 = api.get("/apps/" + app + "/releases/2").body();
    assertEquals("succeeded", v2.path("status").asText());
    assertTrue(v2.path("current").asBoolean());
    String appId = api.get("/apps/" + app).body().path("id").asText();
    assertTrue(node.dynos().logs().recent(appId).stream()
        .anyMatch(l -> l.matches(".* app\\[release\\.\\d+\\]: migrating the database")), "release output in the logs");
    awaitDyno(api, app, "web.1", state("up"), Duration.ofSeconds(20));

    git.write("Procfile", "web: python3 web.py\nrelease: echo cannot migrate; exit 3\n").commit("broken release");
    Git.Result failed = git.run("push", remote, "main");
    assertNotEquals(0, failed.status(), failed.output());
    assertTrue(failed.tail(6).contains("Release command failed"), failed.output());
    JsonNode v3 = api.get("/apps/" + app + "/releases/3").body();
    assertEquals("failed", v3.path("status").asText());
    assertFalse(v3.path("current").asBoolean());
    assertFalse(v3.path("eligible_for_rollback").asBoolean());
    JsonNode web = dyno(api, app, "web.1");
    assertEquals(2, web.path("release").path("version").asInt(), "the old release keeps running");
    assertEquals("up", web.path("state").asText());
    api.post("/apps/" + app + "/releases", "{\"release\":\"3\"}").expectError(422, "invalid_params", "failed");
  }
}
