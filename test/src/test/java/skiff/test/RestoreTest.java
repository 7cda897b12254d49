package skiff.test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import skiff.platform.node.SkiffNode;

/** {@code skiff rollback --to T}: a whole app brought back to an instant by replaying its journal. */
class RestoreTest {
  private static final String DRAIN = "syslog://127.0.0.1:9/restore-test";
  private static SkiffNode node;
  private static Api api;
  private static Path home;
  private static Path work;

  @BeforeAll
  static void start() throws Exception {
    home = TestNode.freshHome();
    work = Files.createTempDirectory("skiff-restore");
    Map<String, String> env = TestNode.env(home);
    env.put("SKIFF_SIGTERM_GRACE", "2s");
    node = TestNode.start(env);
    api = new Api(node.apiPort(), TestNode.TOKEN);
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  private static SkiffRun skiff(String... args) {
    return SkiffRun.asAdmin(node, home, args);
  }

  /** A pause that puts the instants on either side of it clearly apart in the journal. */
  private static Instant between() throws InterruptedException {
    Thread.sleep(50);
    Instant at = Instant.now();
    Thread.sleep(50);
    return at;
  }

  private static JsonNode current(String app) {
    return api.get("/apps/" + app + "/releases", "version ..; max=1, order=desc").body().get(0);
  }

  /** The app's and its releases' events: what a restore writes (dynos write events of their own all along). */
  private static int journalLength(String app) {
    int count = 0;
    for (JsonNode e : api.get("/apps/" + app + "/events", "id ..; max=1000").body()) {
      String entity = e.path("entity").asText();
      count += entity.startsWith("App|") || entity.startsWith("Release|") ? 1 : 0;
    }
    return count;
  }

  private static void awaitWeb(String app, int count, int version) throws InterruptedException {
    DynoTestSupport.awaitWeb(api, app, count, version);
  }

  /** The fields of {@code GET /state} a user sees, without the instant and the release number. */
  private static Map<String, String> seen(JsonNode state) {
    Map<String, String> out = new java.util.TreeMap<>();
    for (String field : List.of("maintenance", "stack", "config_vars", "process_types", "formation", "domains",
        "drains")) {
      out.put(field, state.path(field).toString());
    }
    out.put("slug", state.path("release").path("slug_checksum").asText());
    return out;
  }

  private static JsonNode stateAt(String app, Instant at) {
    return api.get("/apps/" + app + "/state?reveal=true&at=" + at).expect(200).body();
  }

  @Test
  void anAppComesBackAsItWasAtAnInstantAndASecondRestoreUndoesTheFirst() throws Exception {
    DynoTest.deploy(api, node.apiPort(), work, "back");
    awaitWeb("back", 1, 2);
    String firstSlug = current("back").path("slug").path("id").asText();
    api.patch("/apps/back/config-vars", "{\"A\":\"1\"}").expect(200);
    api.patch("/apps/back/formation", "{\"updates\":[{\"type\":\"web\",\"quantity\":2}]}").expect(200);
    api.post("/apps/back/domains", "{\"hostname\":\"www.back.test\"}").expect(201);
    api.post("/apps/back/log-drains", "{\"url\":\"" + DRAIN + "\"}").expect(201);
    awaitWeb("back", 2, 3);
    Instant t = between();

    api.patch("/apps/back/config-vars", "{\"A\":\"2\",\"B\":\"3\"}").expect(200);
    api.patch("/apps/back/formation", "{\"updates\":[{\"type\":\"web\",\"quantity\":1}]}").expect(200);
    api.delete("/apps/back/domains/www.back.test").expect(200);
    Git git = new Git(work.resolve("back"));
    git.write("second.txt", "the second commit\n").commit("second");
    Git.Result pushed = git.pushTo(node.apiPort(), "back");
    assertEquals(0, pushed.status(), pushed.output());
    String secondSlug = current("back").path("slug").path("id").asText();
    assertNotEquals(firstSlug, secondSlug);
    api.patch("/apps/back", "{\"maintenance\":true}").expect(200);
    awaitWeb("back", 1, current("back").path("version").asInt());
    Thread.sleep(500); // the old dynos' last events
    Map<String, String> beforeRestore = seen(stateAt("back", Instant.now()));

    int length = journalLength("back");
    SkiffRun dry = skiff("rollback", "--to", t.toString(), "--dry-run", "-a", "back");
    assertEquals(0, dry.status(), dry.all());
    assertEquals(length, journalLength("back"), "a dry run writes nothing");
    List<String> planned = dry.out().lines().filter(l -> !l.startsWith("===")).toList();
    for (String line : List.of("+ Domains: www.back.test", "~ Maintenance: on -> off", "- Config vars: B",
        "~ Config vars: A -> A (value as then)", "~ Formation: web=1:Basic -> web=2:Basic")) {
      assertTrue(planned.contains(line), line + " in " + planned);
    }
    assertTrue(planned.stream().anyMatch(l -> l.startsWith("~ Slug: ")), planned.toString());
    assertFalse(dry.out().contains("A=1") || dry.out().contains("B=3"), "values stay hidden: " + dry.out());

    Instant beforeFirst = between();
    SkiffRun restored = skiff("rollback", "--to", t.toString(), "-a", "back");
    assertEquals(0, restored.status(), restored.all());
    assertEquals(planned, restored.out().lines().filter(l -> !l.startsWith("===")).toList(),
        "the real run changes what the dry run listed");

    JsonNode release = current("back");
    assertEquals("Restore to " + t, release.path("description").asText());
    assertEquals(firstSlug, release.path("slug").path("id").asText());
    assertEquals(Map.of("A", "1"), Api.JSON.convertValue(api.get("/apps/back/config-vars").body(), Map.class));
    awaitWeb("back", 2, release.path("version").asInt());
    assertTrue(api.get("/apps/back/domains").body().toString().contains("www.back.test"));
    assertTrue(api.get("/apps/back/log-drains").body().toString().contains(DRAIN));
    assertFalse(api.get("/apps/back").body().path("maintenance").asBoolean());
    assertEquals(seen(stateAt("back", t)), seen(stateAt("back", Instant.now())), "now is as it was then");

    JsonNode events = api.get("/apps/back/events?since=" + beforeFirst + "&actor=admin@skiff.local").body();
    List<String> steps = new ArrayList<>();
    for (JsonNode e : events) {
      assertEquals("restore to " + t, e.path("via").asText(), e.toString());
      steps.add(e.path("type").asText());
    }
    for (String type : List.of("app.maintenance-changed", "app.domain-added", "app.formation-changed", "app.config-vars-changed",
        "app.release-issued")) {
      assertTrue(steps.contains(type), type + " in " + steps);
    }
    SkiffRun story = skiff("events", "--since", beforeFirst.toString(), "-a", "back");
    assertTrue(story.out().contains("via=restore to " + t), story.out());

    SkiffRun undo = skiff("rollback", "--to", beforeFirst.toString(), "-a", "back");
    assertEquals(0, undo.status(), undo.all());
    assertEquals(secondSlug, current("back").path("slug").path("id").asText());
    assertEquals(Map.of("A", "2", "B", "3"), Api.JSON.convertValue(api.get("/apps/back/config-vars").body(),
        Map.class));
    assertEquals(beforeRestore, seen(stateAt("back", Instant.now())), "the second restore undid the first");
    awaitWeb("back", 1, current("back").path("version").asInt());

    SkiffRun again = skiff("rollback", "--to", beforeFirst.toString(), "-a", "back");
    assertEquals(0, again.status(), again.all());
    assertTrue(again.all().contains("nothing to change"), again.all());
  }

  @Test
  void restoresThatCannotBeDoneAreRefusedAndChangeNothing() throws Exception {
    Instant beforeApp = between();
    DynoTest.deploy(api, node.apiPort(), work, "refuse");
    awaitWeb("refuse", 1, 2);
    Instant deployed = between();
    api.patch("/apps/refuse/config-vars", "{\"A\":\"1\"}").expect(200);
    List<Api.Answer> refused = new ArrayList<>();

    refused.add(api.post("/apps/refuse/restores", "{\"at\":\"" + beforeApp + "\"}")
        .expectError(422, "invalid_params", "did not exist at"));
    refused.add(api.post("/apps/refuse/restores", "{\"at\":\"" + Instant.now().plusSeconds(3600) + "\"}")
        .expectError(422, "invalid_params", "in the future"));
    refused.add(api.post("/apps/refuse/restores", "{\"at\":\"yesterday\"}")
        .expectError(422, "invalid_params", "not a timestamp"));
    refused.add(api.post("/apps/refuse/restores", "{}").expectError(422, "invalid_params", "at is required"));
    SkiffRun both = skiff("rollback", "v1", "--to", "1h", "-a", "refuse");
    assertNotEquals(0, both.status());
    assertTrue(both.err().contains("not both"), both.all());

    // the slug that ran then is gone from the store
    String checksum = api.get("/apps/refuse/slugs/" + current("refuse").path("slug").path("id").asText()).body()
        .path("checksum").asText();
    Path slugFile = home.resolve("slugs").resolve(checksum.substring("SHA256:".length()) + ".tgz");
    assertTrue(Files.exists(slugFile), slugFile.toString());
    Path aside = work.resolve("slug-aside.tgz");
    Files.move(slugFile, aside);
    api.patch("/apps/refuse/config-vars", "{\"A\":\"2\"}").expect(200);
    Git git = new Git(work.resolve("refuse"));
    git.write("other.txt", "x\n").commit("other slug");
    Git.Result pushed = git.pushTo(node.apiPort(), "refuse");
    assertEquals(0, pushed.status(), pushed.output());
    refused.add(api.post("/apps/refuse/restores", "{\"at\":\"" + deployed + "\",\"dry_run\":true}")
        .expectError(404, "not_found", "no longer stored"));
    refused.add(api.post("/apps/refuse/restores", "{\"at\":\"" + deployed + "\"}")
        .expectError(404, "not_found", "no longer stored"));
    Files.move(aside, slugFile);

    // a build is running
    Path pack = work.resolve("slow-pack");
    Files.createDirectories(pack.resolve("bin"));
    Files.writeString(pack.resolve("bin/detect"), "#!/bin/sh\necho Slow\n");
    Files.writeString(pack.resolve("bin/compile"), "#!/bin/sh\nsleep 4\n");
    pack.resolve("bin/detect").toFile().setExecutable(true);
    pack.resolve("bin/compile").toFile().setExecutable(true);
    api.patch("/apps/refuse/config-vars", "{\"BUILDPACK_URL\":\"" + pack + "\"}").expect(200);
    git.write("third.txt", "x\n").commit("slow build");
    CompletableFuture<Git.Result> building = CompletableFuture.supplyAsync(() -> {
      try {
        return git.pushTo(node.apiPort(), "refuse");
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    GitPushTest.awaitBuildRunning(api, "refuse");
    refused.add(api.post("/apps/refuse/restores", "{\"at\":\"" + deployed + "\"}")
        .expectError(409, "conflict", "is already running"));
    assertEquals(0, building.get(60, TimeUnit.SECONDS).status());

    // dynos and builds write events all along, so look for the refused requests' own: there are none
    JsonNode all = api.get("/apps/refuse/events", "id ..; max=1000").body();
    for (Api.Answer refusal : refused) {
      String requestId = refusal.header("Request-Id");
      assertTrue(requestId != null && !requestId.isEmpty());
      for (JsonNode e : all) {
        assertNotEquals(requestId, e.path("request_id").asText(), "a refused restore wrote " + e);
        assertFalse(e.has("via"), e.toString());
      }
    }
  }
}
