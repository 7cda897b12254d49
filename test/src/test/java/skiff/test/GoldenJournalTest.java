package skiff.test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import skiff.platform.node.SkiffNode;

/**
 * Journals written by earlier versions of Skiff, committed under {@code golden/VERSION}: the H2
 * file and the master key of a node that ran a fixed scenario (create, rename, config, push, scale,
 * crash into the cooldown, rollback, domains, drains, maintenance, destroy), and what its API
 * answered then. {@code v0} was written by the last Skiff before stable names and sealed values
 * (commit ad9176f: class-name manifests, values in the clear), its answers recorded by the first
 * version that reads it. Every build must recover them and answer the same. Recording a new one (once per
 * release of the journal's contract): {@code mvn -pl test -am test -Dtest=GoldenJournalTest
 * -Dsurefire.failIfNoSpecifiedTests=false -Dskiff.golden.record=v2}.
 */
class GoldenJournalTest {
  private static final Duration WAIT = Duration.ofSeconds(30);

  @Test
  void everyCommittedJournalRecoversAndAnswersAsRecorded() throws Exception {
    Path golden = Path.of(GoldenJournalTest.class.getResource("/golden").toURI());
    List<Path> versions;
    try (Stream<Path> dirs = Files.list(golden)) {
      versions = dirs.filter(Files::isDirectory).sorted().toList();
    }
    assertFalse(versions.isEmpty(), "golden journals are committed under test resources");
    for (Path version : versions) {
      assertAnswersAsRecorded(version);
    }
  }

  private static void assertAnswersAsRecorded(Path version) throws Exception {
    Path home = TestNode.freshHome();
    Files.createDirectories(home.resolve("journal"));
    Files.copy(version.resolve("skiff.mv.db"), home.resolve("journal").resolve("skiff.mv.db"));
    Files.copy(version.resolve("secret.key"), home.resolve("secret.key"));
    JsonNode recorded = Api.JSON.readTree(version.resolve("answers.json").toFile());
    try (SkiffNode node = TestNode.start(home)) {
      Api api = new Api(node.apiPort(), TestNode.TOKEN);
      for (var question : (Iterable<Map.Entry<String, JsonNode>>) recorded::fields) {
        JsonNode now = answer(api, question.getKey());
        String difference = difference("", question.getValue(), now);
        assertEquals(null, difference, version.getFileName() + ": GET " + question.getKey()
            + " answers as it did when the journal was written (fields added since are allowed); now: " + now);
      }
    }
  }

  /**
   * Where {@code now} stops saying what {@code then} said, or null: every field recorded then has
   * the same value now, arrays keep their length and order; fields the API added since are fine.
   */
  static String difference(String at, JsonNode then, JsonNode now) {
    if (then.isObject()) {
      if (!now.isObject()) {
        return at + ": was an object";
      }
      for (var field : (Iterable<Map.Entry<String, JsonNode>>) then::fields) {
        if (!now.has(field.getKey())) {
          return at + "." + field.getKey() + ": missing";
        }
        String d = difference(at + "." + field.getKey(), field.getValue(), now.get(field.getKey()));
        if (d != null) {
          return d;
        }
      }
      return null;
    }
    if (then.isArray()) {
      if (!now.isArray() || now.size() != then.size()) {
        return at + ": was an array of " + then.size();
      }
      for (int i = 0; i < then.size(); i++) {
        String d = difference(at + "[" + i + "]", then.get(i), now.get(i));
        if (d != null) {
          return d;
        }
      }
      return null;
    }
    return then.equals(now) || changedOnPurpose(then, now) ? null : at + ": was " + then + ", now " + now;
  }

  /**
   * The answers that changed on purpose, each with its reason; nothing else may. Stacks became real
   * root filesystems (issue 12): the machine's own userland, called "host" (earlier "cedar"), is no
   * longer offered, and apps that were on it are on the default stack.
   */
  static boolean changedOnPurpose(JsonNode then, JsonNode now) {
    String dflt = skiff.actors.apps.Stacks.DEFAULT;
    for (String legacy : List.of("host", "cedar")) {
      if (then.asText().equals(legacy) && now.asText().equals(dflt)) {
        return true;
      }
      String id = skiff.http.api.Representations.stableId("stack", legacy);
      if (then.asText().equals(id) && now.asText().equals(skiff.http.api.Representations.stableId("stack", dflt))) {
        return true;
      }
    }
    return false;
  }

  /** The answer with what depends on this run (ports of this node's listeners) taken out. */
  private static JsonNode answer(Api api, String path) throws Exception {
    Api.Answer answer = api.get(path);
    ObjectNode out = Api.JSON.createObjectNode();
    out.put("status", answer.status());
    String body = answer.raw().body().replaceAll("(127\\.0\\.0\\.1|localhost):\\d+", "$1:PORT");
    out.set("body", body.isEmpty() ? Api.JSON.nullNode() : Api.JSON.readTree(body));
    return out;
  }

  // ---- recording ---------------------------------------------------------------------------------

  @Test
  @EnabledIfSystemProperty(named = "skiff.golden.record", matches = "v\\d+")
  void recordAGoldenJournal() throws Exception {
    Path target = Path.of("src/test/resources/golden", System.getProperty("skiff.golden.record"));
    Path home = TestNode.freshHome();
    Map<String, JsonNode> answers = new java.util.LinkedHashMap<>();
    try (SkiffNode node = TestNode.start(home)) {
      Api api = new Api(node.apiPort(), TestNode.TOKEN);
      String at = scenario(api, home, node.apiPort());
      for (String path : questions(at)) {
        answers.put(path, answer(api, path));
      }
    }
    compact(home);
    Files.createDirectories(target);
    Files.copy(home.resolve("journal").resolve("skiff.mv.db"), target.resolve("skiff.mv.db"),
        StandardCopyOption.REPLACE_EXISTING);
    Files.copy(home.resolve("secret.key"), target.resolve("secret.key"), StandardCopyOption.REPLACE_EXISTING);
    Api.JSON.writerWithDefaultPrettyPrinter().writeValue(target.resolve("answers.json").toFile(), answers);
    assertAnswersAsRecorded(target);
  }

  private static List<String> questions(String at) {
    List<String> paths = new ArrayList<>(List.of("/apps", "/apps/golden", "/apps/golden/config-vars",
        "/apps/golden/releases", "/apps/golden/formation", "/apps/golden/domains", "/apps/golden/log-drains",
        "/apps/golden/builds", "/apps/golden/dynos", "/apps/golden/events", "/apps/doomed",
        "/apps/golden/state?at=" + at, "/apps/golden/state?at=" + at + "&reveal=true",
        // the whole platform's config changes, revealed: golden's values, and doomed's gone with its key
        "/events?type=app.config-vars-changed&reveal=true"));
    return paths;
  }

  /** The fixed scenario; returns an instant after it, for the state question. */
  private static String scenario(Api api, Path home, int port) throws Exception {
    api.post("/apps", "{\"name\":\"draft\"}").expect(201);
    api.patch("/apps/draft", "{\"name\":\"golden\"}").expect(200);
    api.post("/apps", "{\"name\":\"doomed\"}").expect(201);
    api.patch("/apps/doomed/config-vars", "{\"DOOMED_SECRET\":\"gone-with-the-app\"}").expect(200);
    api.patch("/apps/golden/config-vars", "{\"GREETING\":\"hello\",\"DATABASE_URL\":\"postgres://u:p@db/golden\"}")
        .expect(200);
    api.patch("/apps/golden/config-vars", "{\"GREETING\":null,\"MODE\":\"golden\"}").expect(200);

    Git git = Git.init(home.resolve("work").resolve("golden"));
    git.write("web.py", DynoApp.WEB).write("requirements.txt", "")
        .write("Procfile", "web: python3 web.py\ncrash: sh -c 'echo boom; exit 3'\n").commit("golden");
    Git.Result pushed = git.pushTo(port, "golden");
    assertEquals(0, pushed.status(), pushed.output());
    DynoTest.awaitDyno(api, "golden", "web.1", d -> d.path("state").asText().equals("up"), WAIT);

    api.patch("/apps/golden/formation", "{\"updates\":[{\"type\":\"crash\",\"quantity\":1}]}").expect(200);
    awaitEvent(api, "dyno.restart-scheduled");
    api.patch("/apps/golden/config-vars", "{\"MODE\":\"rolled-back-soon\"}").expect(200);
    api.post("/apps/golden/releases", "{\"release\":\"4\"}").expect(201);
    api.post("/apps/golden/domains", "{\"hostname\":\"www.golden.example\"}").expect(201);
    api.post("/apps/golden/domains", "{\"hostname\":\"old.golden.example\"}").expect(201);
    api.delete("/apps/golden/domains/old.golden.example").expect(200);
    api.post("/apps/golden/log-drains", "{\"url\":\"https://logs.golden.example/drain\"}").expect(201);
    api.patch("/apps/golden", "{\"maintenance\":true}").expect(200);
    api.patch("/apps/golden", "{\"maintenance\":false}").expect(200);
    api.patch("/apps/golden/formation", "{\"updates\":[{\"type\":\"web\",\"quantity\":0},"
        + "{\"type\":\"crash\",\"quantity\":0}]}").expect(200);
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (DynoTest.dynos(api, "golden").size() > 0 && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    assertEquals(0, DynoTest.dynos(api, "golden").size(), "the scenario ends with nothing running");
    api.delete("/apps/doomed").expect(200);
    Thread.sleep(1000);
    return Instant.now().toString();
  }

  private static void awaitEvent(Api api, String type) throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (System.nanoTime() < deadline) {
      if (api.get("/apps/golden/events?type=" + type).body().size() > 0) {
        return;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("no " + type + " within " + WAIT);
  }

  /** A small file to commit: H2 keeps superseded chunks until it compacts at shutdown. */
  private static void compact(Path home) throws Exception {
    String url = "jdbc:h2:file:" + home.resolve("journal").resolve("skiff") + ";DATABASE_TO_UPPER=false";
    try (Connection c = DriverManager.getConnection(url, "sa", "")) {
      c.createStatement().execute("SHUTDOWN COMPACT");
    }
  }
}
