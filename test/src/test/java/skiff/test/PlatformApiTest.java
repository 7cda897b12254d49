package skiff.test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import skiff.platform.node.SkiffNode;

/** The Platform API over real HTTP against a real node with an H2 journal. */
class PlatformApiTest {
  private static SkiffNode node;
  private static Api api;
  private static final AtomicInteger counter = new AtomicInteger();

  @BeforeAll
  static void start() throws Exception {
    node = TestNode.start(TestNode.freshHome());
    api = new Api(node.apiPort(), TestNode.TOKEN);
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  private static String newApp() {
    String name = "app-" + counter.incrementAndGet() + "-" + System.nanoTime() % 100000;
    api.post("/apps", "{\"name\":\"" + name + "\"}").expect(201);
    return name;
  }

  @Test
  void everyAnswerCarriesARequestIdAndMissingOrWrongTokensGet401() {
    Api anonymous = new Api(node.apiPort(), null);
    Api.Answer none = anonymous.get("/apps").expectError(401, "unauthorized", "Invalid credentials");
    assertNotNull(none.header("Request-Id"));
    new Api(node.apiPort(), "wrong").get("/account").expectError(401, "unauthorized", "Invalid credentials");
    Api.Answer ok = api.get("/account").expect(200);
    assertEquals("admin@skiff.local", ok.body().path("email").asText());
    assertNotNull(ok.header("Request-Id"));
    assertTrue(ok.header("Content-Type").startsWith("application/json"));
  }

  @Test
  void basicAuthWithTheTokenAsPasswordWorks() throws Exception {
    String basic = Base64.getEncoder().encodeToString((":" + TestNode.TOKEN).getBytes(StandardCharsets.UTF_8));
    HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + node.apiPort() + "/account")).header("Authorization", "Basic " + basic)
        .build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, response.statusCode());
  }

  @Test
  void createWithAGeneratedNameGivesHerokuStyleNamesAndV1() {
    JsonNode app = api.post("/apps", "{}").expect(201).body();
    assertTrue(app.path("name").asText().matches("[a-z]+-[a-z]+-\\d{4}"), app.toString());
    assertEquals("debian-12", app.path("stack").path("name").asText());
    assertEquals("debian-12", app.path("build_stack").path("name").asText());
    assertTrue(app.has("repo_size") && app.has("slug_size"), "the official CLI crashes without these fields");
    JsonNode releases = api.get("/apps/" + app.path("name").asText() + "/releases").expect(200).body();
    assertEquals(1, releases.size());
    assertEquals("Initial release", releases.get(0).path("description").asText());
    assertTrue(releases.get(0).path("current").asBoolean());
  }

  @Test
  void badAndTakenNamesAreRefusedAndCreateNothing() {
    int before = api.get("/apps").body().size();
    for (String bad : List.of("Bad_Name", "ab", "-dash-first", "dash-last-", "a".repeat(31))) {
      api.post("/apps", "{\"name\":\"" + bad + "\"}").expectError(422, "invalid_params", "is invalid");
    }
    String name = newApp();
    api.post("/apps", "{\"name\":\"" + name + "\"}").expectError(422, "invalid_params", "already taken");
    assertEquals(before + 1, api.get("/apps").body().size());
    api.post("/apps", "{\"name\":\"x-app\",\"region\":\"mars\"}").expectError(422, "invalid_params", "region");
    api.post("/apps", "not json").expectError(400, "bad_request", "not valid JSON");
  }

  @Test
  void unknownAppsAndEndpoints() {
    api.get("/apps/no-such-app").expectError(404, "not_found", "Couldn't find that app.");
    api.patch("/apps/no-such-app/config-vars", "{\"A\":\"1\"}").expectError(404, "not_found", "Couldn't find that app");
    api.get("/nothing/here").expectError(404, "not_found", "endpoint was not found");
  }

  @Test
  void configPatchesMakeReleasesAndNullDeletes() {
    String app = newApp();
    JsonNode vars = api.patch("/apps/" + app + "/config-vars", "{\"A\":\"1\",\"B\":\"2\"}").expect(200).body();
    assertEquals("1", vars.path("A").asText());
    vars = api.patch("/apps/" + app + "/config-vars", "{\"A\":null}").expect(200).body();
    assertFalse(vars.has("A"));
    assertEquals("2", vars.path("B").asText());
    JsonNode releases = api.get("/apps/" + app + "/releases", "version ..; max=15, order=desc").expect(200).body();
    assertEquals(List.of("Remove A config vars", "Set A, B config vars", "Initial release"), descriptions(releases));
    assertEquals("admin@skiff.local", releases.get(0).path("user").path("email").asText());
    JsonNode v2vars = api.get("/apps/" + app + "/releases/2/config-vars").expect(200).body();
    assertEquals("1", v2vars.path("A").asText());
  }

  @Test
  void badConfigVarNamesChangeNothing() {
    String app = newApp();
    api.patch("/apps/" + app + "/config-vars", "{\"GOOD\":\"1\",\"BAD-NAME\":\"2\"}")
        .expectError(422, "invalid_params", "BAD-NAME");
    api.patch("/apps/" + app + "/config-vars", "{\"NESTED\":{\"a\":1}}").expectError(422, "invalid_params", "NESTED");
    assertEquals(0, api.get("/apps/" + app + "/config-vars").body().size());
    assertEquals(1, api.get("/apps/" + app + "/releases").body().size());
  }

  @Test
  void releasesPageWithNextRangeAndParseRangesLeniently() {
    String app = newApp();
    for (int i = 0; i < 6; i++) {
      api.patch("/apps/" + app + "/config-vars", "{\"N\":\"" + i + "\"}").expect(200);
    }
    Api.Answer first = api.get("/apps/" + app + "/releases", "version ..; max=3, order=desc").expect(206);
    assertEquals(List.of(7, 6, 5), versions(first.body()));
    String next = first.header("Next-Range");
    assertNotNull(next);
    Api.Answer second = api.get("/apps/" + app + "/releases", next).expect(206);
    assertEquals(List.of(4, 3, 2), versions(second.body()));
    Api.Answer third = api.get("/apps/" + app + "/releases", second.header("Next-Range")).expect(200);
    assertEquals(List.of(1), versions(third.body()));
    assertNull(third.header("Next-Range"));
    assertEquals(List.of(7), versions(api.get("/apps/" + app + "/releases", "version ..; order=desc,max=1").body()));
    assertEquals(List.of(1, 2), versions(api.get("/apps/" + app + "/releases", "version ..; max=2;").body()));
    assertEquals(7, api.get("/apps/" + app + "/releases").body().size());
    api.get("/apps/" + app + "/releases", "colour ..; max=2").expectError(416, "requested_range_not_satisfiable",
        "colour");
  }

  @Test
  void rollbackByIdCopiesTheOldConfigIntoANewRelease() {
    String app = newApp();
    api.patch("/apps/" + app + "/config-vars", "{\"A\":\"1\",\"B\":\"2\"}").expect(200);
    api.patch("/apps/" + app + "/config-vars", "{\"A\":null}").expect(200);
    String v2 = api.get("/apps/" + app + "/releases/2").expect(200).body().path("id").asText();
    assertEquals(2, api.get("/apps/" + app + "/releases/" + v2).expect(200).body().path("version").asInt());
    JsonNode rollback = api.post("/apps/" + app + "/releases", "{\"release\":\"" + v2 + "\"}").expect(201).body();
    assertEquals(4, rollback.path("version").asInt());
    assertEquals("Rollback to v2", rollback.path("description").asText());
    assertEquals("1", api.get("/apps/" + app + "/config-vars").body().path("A").asText());
    JsonNode list = api.get("/apps/" + app + "/releases", "version ..; max=10, order=desc").body();
    assertTrue(list.get(0).path("eligible_for_rollback").asBoolean(), "the CLI needs the current release eligible");
  }

  @Test
  void rollbackToAMissingReleaseChangesNothing() {
    String app = newApp();
    api.post("/apps/" + app + "/releases", "{\"release\":\"99\"}").expectError(404, "not_found", "release");
    api.post("/apps/" + app + "/releases", "{\"release\":\"00000000-0000-0000-0000-000000000000\"}")
        .expectError(404, "not_found", "release");
    api.post("/apps/" + app + "/releases", "{}").expectError(422, "invalid_params", "slug");
    assertEquals(1, api.get("/apps/" + app + "/releases").body().size());
  }

  @Test
  void formationFollowsTheReleasesProcessTypesAndAcceptsCliQuantities() {
    String app = newApp();
    api.patch("/apps/" + app + "/formation", "{\"updates\":[{\"type\":\"web\",\"quantity\":\"2\"}]}")
        .expectError(404, "not_found", "process type (web)");
    JsonNode slug = api.post("/apps/" + app + "/slugs",
        "{\"process_types\":{\"web\":\"./server\",\"worker\":\"./work\"},\"commit\":\"1a2b3c4d\"}").expect(201).body();
    JsonNode release = api.post("/apps/" + app + "/releases", "{\"slug\":\"" + slug.path("id").asText() + "\"}")
        .expect(201).body();
    assertEquals("Deploy 1a2b3c4", release.path("description").asText());
    JsonNode formation = api.get("/apps/" + app + "/formation").expect(200).body();
    assertEquals(2, formation.size());
    assertEquals(1, formation.get(0).path("quantity").asInt(), "one web dyno after the first deploy");
    assertEquals("./server", formation.get(0).path("command").asText());

    JsonNode scaled = api.patch("/apps/" + app + "/formation",
        "{\"updates\":[{\"type\":\"web\",\"quantity\":\"+2\"},{\"type\":\"worker\",\"quantity\":\"1\",\"size\":\"Standard-2X\"}]}")
        .expect(200).body();
    assertEquals(2, scaled.size());
    assertEquals(3, api.get("/apps/" + app + "/formation/web").body().path("quantity").asInt());
    assertEquals("Standard-2X", api.get("/apps/" + app + "/formation/worker").body().path("size").asText());
    api.patch("/apps/" + app + "/formation/web", "{\"quantity\":-1}").expectError(422, "invalid_params", "between 0");
    api.patch("/apps/" + app + "/formation", "{\"updates\":[{\"type\":\"web\",\"quantity\":\"lots\"}]}")
        .expectError(422, "invalid_params", "lots");
    api.patch("/apps/" + app + "/formation", "{\"updates\":[{\"type\":\"clock\",\"quantity\":\"1\"}]}")
        .expectError(404, "not_found", "clock");
    assertEquals(3, api.get("/apps/" + app + "/formation/web").body().path("quantity").asInt(), "unchanged");
  }

  @Test
  void maintenanceRenameStackDomainsCollaboratorsAndDestroy() {
    String app = newApp();
    assertTrue(api.patch("/apps/" + app, "{\"maintenance\":true}").expect(200).body().path("maintenance").asBoolean());
    assertTrue(api.get("/apps/" + app).body().path("maintenance").asBoolean());
    api.patch("/apps/" + app, "{\"maintenance\":\"yes\"}").expectError(422, "invalid_params", "maintenance");
    api.patch("/apps/" + app, "{\"build_stack\":\"heroku-22\"}").expectError(422, "invalid_params", "heroku-22");
    JsonNode stacks = api.get("/stacks").body();
    assertEquals("debian-12", stacks.get(0).path("name").asText());
    assertTrue(stacks.get(0).path("default").asBoolean(), stacks.toString());
    api.get("/stacks/debian-12").expect(200);
    api.get("/stacks/heroku-24").expectError(404, "not_found", "debian-12");
    // apps from before real stacks were on "host": the name is still understood, as the default
    assertEquals("debian-12", api.patch("/apps/" + app, "{\"build_stack\":\"host\"}").expect(200).body()
        .path("build_stack").path("name").asText());

    String renamed = app + "-r";
    api.patch("/apps/" + app, "{\"name\":\"" + renamed + "\"}").expect(200);
    api.get("/apps/" + app).expectError(404, "not_found", "Couldn't find that app");
    JsonNode domains = api.get("/apps/" + renamed + "/domains", "id ..; max=1000;").expect(200).body();
    assertEquals(renamed + ".localhost", domains.get(0).path("hostname").asText());
    assertEquals("heroku", domains.get(0).path("kind").asText());
    JsonNode collaborators = api.get("/apps/" + renamed + "/collaborators").expect(200).body();
    assertEquals("owner", collaborators.get(0).path("role").asText());

    api.delete("/apps/" + renamed).expect(200);
    api.get("/apps/" + renamed).expectError(404, "not_found", "Couldn't find that app");
    api.post("/apps", "{\"name\":\"" + renamed + "\"}").expect(201);
    assertEquals(1, api.get("/apps/" + renamed + "/releases").body().size(), "a reused name starts afresh");
  }

  @Test
  void appListsPageByName() {
    for (int i = 0; i < 3; i++) {
      newApp();
    }
    Api.Answer page = api.get("/apps", "name ..; max=2").expect(206);
    assertEquals(2, page.body().size());
    assertNotNull(page.header("Next-Range"));
  }

  private static List<String> descriptions(JsonNode releases) {
    List<String> out = new ArrayList<>();
    releases.forEach(r -> out.add(r.path("description").asText()));
    return out;
  }

  private static List<Integer> versions(JsonNode releases) {
    List<Integer> out = new ArrayList<>();
    releases.forEach(r -> out.add(r.path("version").asInt()));
    return out;
  }
}
