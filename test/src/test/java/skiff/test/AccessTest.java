package skiff.test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import skiff.platform.node.SkiffNode;

/**
 * Who may do what: for every route family, each kind of caller (owner, collaborator, team admin,
 * viewer and members with each permission, a stranger, a revoked and an expired token) gets the
 * answer Heroku's model says, and a refused write changes nothing.
 */
class AccessTest {
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static SkiffNode node;
  private static Api admin;
  private static Path home;
  private static final Map<String, String> tokens = new LinkedHashMap<>();

  /** The outcome a caller should get. */
  enum Expect { OK, FORBIDDEN, HIDDEN, UNAUTHORIZED }

  /** One call of a route family, and the permission it needs. */
  record Call(String family, String method, String path, String body, String needs) {}

  @BeforeAll
  static void start() throws Exception {
    home = TestNode.freshHome();
    node = TestNode.start(home);
    admin = new Api(node.apiPort(), TestNode.TOKEN);
    for (String who : List.of("owner", "collab", "lead", "viewer", "dep", "ops", "man", "stranger", "revoked",
        "expired", "extra")) {
      admin.post("/accounts", "{\"email\":\"" + who + "@example.com\",\"password\":\"pw-" + who + "-12345\"}")
          .expect(201);
    }
    for (String who : List.of("owner", "collab", "lead", "viewer", "dep", "ops", "man", "stranger", "revoked")) {
      tokens.put(who, login(who, null));
    }
    tokens.put("expired", login("expired", 1));
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  /** {@code heroku login -i}: email and password as Basic auth; the answer carries a new token. */
  static String login(String who, Integer expiresIn) throws Exception {
    String basic = Base64.getEncoder().encodeToString((who + "@example.com:pw-" + who + "-12345")
        .getBytes(StandardCharsets.UTF_8));
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.apiPort()
            + "/oauth/authorizations")).header("Authorization", "Basic " + basic)
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"description\":\"test login\""
            + (expiresIn == null ? "" : ",\"expires_in\":" + expiresIn) + "}")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(201, r.statusCode(), r.body());
    JsonNode body = Api.JSON.readTree(r.body());
    assertEquals(who + "@example.com", body.path("user").path("email").asText());
    return body.path("access_token").path("token").asText();
  }

  private static Api as(String who) {
    return new Api(node.apiPort(), tokens.get(who));
  }

  @Test
  void everyRouteFamilyAnswersEachKindOfCallerAsHerokusModelSays() throws Exception {
    // a personal app with a collaborator, and a team app with an admin, a viewer and members
    Api owner = as("owner");
    owner.post("/apps", "{\"name\":\"mine\"}").expect(201);
    owner.post("/apps/mine/collaborators", "{\"user\":\"collab@example.com\"}").expect(201);
    Api lead = as("lead");
    lead.post("/teams", "{\"name\":\"acme\"}").expect(201);
    for (String[] m : new String[][] {{"viewer", "viewer"}, {"dep", "member"}, {"ops", "member"}, {"man", "member"},
        {"extra", "member"}}) {
      lead.send("PUT", "/teams/acme/members", "{\"email\":\"" + m[0] + "@example.com\",\"role\":\"" + m[1] + "\"}", null)
          .expect(200);
    }
    lead.post("/teams/apps", "{\"name\":\"teamapp\",\"team\":\"acme\"}").expect(201);
    assertEquals("acme@herokumanager.com", lead.get("/apps/teamapp").body().path("owner").path("email").asText());
    for (String[] g : new String[][] {{"dep", "deploy"}, {"ops", "operate"}, {"man", "manage"}}) {
      lead.post("/teams/apps/teamapp/collaborators", "{\"user\":\"" + g[0] + "@example.com\",\"permissions\":[\""
          + g[1] + "\"]}").expect(201);
    }
    for (String app : List.of("mine", "teamapp")) {
      deploy(app, tokens.get(app.equals("mine") ? "owner" : "lead"));
    }
    // the revoked token is revoked; the expired one has run out
    as("revoked").delete("/oauth/authorizations/" + current(as("revoked"), tokens.get("revoked"))).expect(200);
    Thread.sleep(1200);

    Map<String, Map<String, Expect>> rights = new LinkedHashMap<>();
    rights.put("mine", Map.of("owner", Expect.OK, "collab", Expect.OK, "stranger", Expect.HIDDEN,
        "viewer", Expect.HIDDEN, "revoked", Expect.UNAUTHORIZED, "expired", Expect.UNAUTHORIZED));
    rights.put("teamapp", Map.of("lead", Expect.OK, "viewer", Expect.OK, "dep", Expect.OK, "ops", Expect.OK,
        "man", Expect.OK, "stranger", Expect.HIDDEN, "owner", Expect.HIDDEN, "revoked", Expect.UNAUTHORIZED));
    Map<String, List<String>> permissions = Map.of("owner", List.of("view", "deploy", "operate", "manage"),
        "collab", List.of("view", "deploy", "operate", "manage"), "lead", List.of("view", "deploy", "operate", "manage"),
        "viewer", List.of("view"), "dep", List.of("view", "deploy"), "ops", List.of("view", "operate"),
        "man", List.of("view", "manage"));
    List<String> failures = new ArrayList<>();
    for (var app : rights.entrySet()) {
      for (var caller : app.getValue().entrySet()) {
        for (Call call : calls(app.getKey(), caller.getKey())) {
          List<String> has = permissions.getOrDefault(caller.getKey(), List.of());
          // config values in the clear: deploy or manage
          boolean may = call.needs().equals("config") ? has.contains("deploy") || has.contains("manage")
              : has.contains(call.needs());
          Expect expected = caller.getValue() != Expect.OK ? caller.getValue() : may ? Expect.OK : Expect.FORBIDDEN;
          String before = expected == Expect.OK || call.method().equals("GET") ? null : snapshot(app.getKey());
          String got = attempt(caller.getKey(), call);
          if (!got.equals(expected.name())) {
            failures.add(caller.getKey() + " " + call.method() + " " + call.path() + " (" + call.family() + "): "
                + got + ", expected " + expected);
          }
          if (before != null && !before.equals(snapshot(app.getKey()))) {
            failures.add(caller.getKey() + " " + call.method() + " " + call.path() + " was refused but changed the app");
          }
        }
      }
    }
    assertEquals(List.of(), failures);
  }

  /** A version of the app with a slug, pushed by someone allowed to. */
  private static void deploy(String app, String token) throws Exception {
    Git git = Git.init(home.resolve("work").resolve(app));
    git.write("Procfile", "web: python3 -m http.server $PORT\n").write("requirements.txt", "").commit("first");
    Git.Result pushed = git.pushTo(node.apiPort(), app, token);
    assertEquals(0, pushed.status(), pushed.output());
    admin.patch("/apps/" + app + "/formation", "{\"updates\":[{\"type\":\"web\",\"quantity\":0}]}").expect(200);
  }

  /** The calls tried, one or two per route family; writes made unique per caller so an allowed one succeeds. */
  private static List<Call> calls(String app, String who) {
    String a = "/apps/" + app;
    return List.of(
        new Call("apps", "GET", a, null, "view"),
        new Call("apps", "PATCH", a, "{\"maintenance\":false}", "manage"),
        new Call("config", "GET", a + "/config-vars", null, "config"),
        new Call("config", "PATCH", a + "/config-vars", "{\"SET_BY_" + who.toUpperCase() + "\":\"1\"}", "manage"),
        new Call("releases", "GET", a + "/releases", null, "view"),
        new Call("releases", "POST", a + "/releases", "{\"release\":\"2\"}", "deploy"),
        new Call("formation", "GET", a + "/formation", null, "view"),
        new Call("formation", "PATCH", a + "/formation", "{\"updates\":[{\"type\":\"web\",\"quantity\":0}]}", "operate"),
        new Call("dynos", "GET", a + "/dynos", null, "view"),
        new Call("dynos", "DELETE", a + "/dynos", null, "operate"),
        new Call("run", "POST", a + "/dynos", "{\"command\":\"true\",\"attach\":false}", "operate"),
        new Call("logs", "POST", a + "/log-sessions", "{}", "view"),
        new Call("drains", "GET", a + "/log-drains", null, "view"),
        new Call("drains", "POST", a + "/log-drains", "{\"url\":\"https://logs.example.com/" + who + "\"}", "manage"),
        new Call("builds", "GET", a + "/builds", null, "view"),
        new Call("events", "GET", a + "/events", null, "view"),
        new Call("events", "GET", a + "/events?reveal=true", null, "config"),
        new Call("state", "GET", a + "/state", null, "view"),
        new Call("domains", "GET", a + "/domains", null, "view"),
        new Call("domains", "POST", a + "/domains", "{\"hostname\":\"" + who + "." + app + ".example.com\"}", "manage"),
        new Call("collaborators", "GET", a + "/collaborators", null, "view"),
        new Call("collaborators", "POST", (app.equals("teamapp") ? "/teams" : "") + a + "/collaborators",
            "{\"user\":\"extra@example.com\",\"permissions\":[\"view\"]}", "manage"),
        new Call("git clone", "GIT", app, "clone", "view"),
        new Call("git push", "GIT", app, "push", "deploy"));
  }

  /** OK, FORBIDDEN, HIDDEN or UNAUTHORIZED, or the status and body of anything else. */
  private static String attempt(String who, Call call) throws Exception {
    if (call.method().equals("GIT")) {
      return gitAttempt(who, call.path(), call.body().equals("push"));
    }
    Api.Answer answer = as(who).send(call.method(), call.path(), call.body(), null);
    return switch (answer.status()) {
      case 401 -> Expect.UNAUTHORIZED.name();
      case 403 -> Expect.FORBIDDEN.name();
      case 404 -> Expect.HIDDEN.name();
      default -> answer.status() >= 200 && answer.status() < 300 ? Expect.OK.name()
          : answer.status() + " " + answer.raw().body();
    };
  }

  private static String gitAttempt(String who, String app, boolean push) throws Exception {
    Git git = Git.init(home.resolve("git-" + who + "-" + app + (push ? "-push" : "-clone")));
    Git.Result result;
    if (push) {
      git.write("Procfile", "web: python3 -m http.server $PORT\n").write("requirements.txt", "")
          .write("by.txt", who).commit("by " + who);
      result = git.run("push", "-f", Git.remote(node.apiPort(), app, tokens.get(who)), "main");
    } else {
      result = git.run("ls-remote", Git.remote(node.apiPort(), app, tokens.get(who)));
    }
    if (result.status() == 0) {
      return Expect.OK.name();
    }
    String out = result.output();
    // the status git reports, not any "403" in the output: the remote's random port may contain one
    java.util.regex.Matcher status = java.util.regex.Pattern.compile("returned error: (\\d{3})").matcher(out);
    String code = status.find() ? status.group(1) : "";
    return code.equals("403") ? Expect.FORBIDDEN.name()
        : code.equals("401") || out.contains("Authentication failed") ? Expect.UNAUTHORIZED.name()
        : code.equals("404") || out.contains("not found") ? Expect.HIDDEN.name() : "git: " + out;
  }

  /** What a refused write must not change, read as the admin. */
  private static String snapshot(String app) {
    String a = "/apps/" + app;
    return String.join("\n", admin.get(a).raw().body().replaceAll("\"updated_at\":\"[^\"]*\"", ""),
        admin.get(a + "/config-vars").raw().body(), admin.get(a + "/releases").raw().body(),
        admin.get(a + "/formation").raw().body(), admin.get(a + "/domains").raw().body(),
        admin.get(a + "/log-drains").raw().body(), admin.get(a + "/collaborators").raw().body());
  }

  @Test
  void aRevokedTokenIsRefusedOnTheVeryNextCall() throws Exception {
    String token = login("stranger", null);
    Api api = new Api(node.apiPort(), token);
    api.post("/apps", "{\"name\":\"gone-soon\"}").expect(201);
    api.delete("/oauth/authorizations/" + current(api, token)).expect(200);
    api.get("/account").expectError(401, "unauthorized", "Invalid credentials");
    api.post("/apps/gone-soon/log-sessions", "{}").expectError(401, "unauthorized", "Invalid credentials");
    Git.Result clone = Git.init(home.resolve("revoked-clone")).run("ls-remote",
        Git.remote(node.apiPort(), "gone-soon", token));
    assertTrue(clone.status() != 0 && clone.output().contains("Authentication failed"), clone.output());
  }

  /** The id of the authorization a token belongs to, found as the heroku CLI's logout finds it. */
  private static String current(Api api, String token) {
    for (JsonNode a : api.get("/oauth/authorizations").expect(200).body()) {
      if (token.equals(a.path("access_token").path("token").asText())) {
        return a.path("id").asText();
      }
    }
    throw new AssertionError("the token's own authorization is listed with the token");
  }

  @Test
  void badLoginsAndAccountRequestsAreRefusedWithTheirReason() throws Exception {
    String basic = Base64.getEncoder().encodeToString("owner@example.com:wrong-password".getBytes(StandardCharsets.UTF_8));
    HttpResponse<String> wrong = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.apiPort()
            + "/oauth/authorizations")).header("Authorization", "Basic " + basic)
        .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(401, wrong.statusCode(), wrong.body());
    as("owner").post("/accounts", "{\"email\":\"x@example.com\",\"password\":\"long-enough-1\"}")
        .expectError(403, "forbidden", "admins");
    admin.post("/accounts", "{\"email\":\"not-an-email\",\"password\":\"long-enough-1\"}")
        .expectError(422, "invalid_params", "email");
    admin.post("/accounts", "{\"email\":\"short@example.com\",\"password\":\"short\"}")
        .expectError(422, "invalid_params", "at least 8");
    admin.post("/accounts", "{\"email\":\"owner@example.com\",\"password\":\"long-enough-1\"}")
        .expectError(422, "invalid_params", "already");
    as("owner").get("/events").expectError(403, "forbidden", "admins");
    as("owner").get("/nodes").expectError(403, "forbidden", "admins");
    assertEquals(1, admin.get("/nodes").expect(200).body().size());
    admin.post("/teams/apps", "{\"name\":\"orphan\",\"team\":\"no-such-team\"}")
        .expectError(404, "not_found", "no-such-team");
    admin.post("/teams", "{\"name\":\"X\"}").expectError(422, "invalid_params", "lower-case");
    assertTrue(admin.get("/accounts").body().size() >= 11);
  }

  /** A CLI run as someone whose HOME (and so ~/.netrc) is {@code home}; {@code typed} is what they type. */
  private static SkiffRun cli(Path home, String typed, String... args) {
    java.io.InputStream stdin = System.in;
    System.setIn(new java.io.ByteArrayInputStream(typed.getBytes(StandardCharsets.UTF_8)));
    try {
      return SkiffRun.of(Map.of("HOME", home.toString(), "SKIFF_HOST", "http://127.0.0.1:" + node.apiPort()), args);
    } finally {
      System.setIn(stdin);
    }
  }

  @Test
  void aTeamWorksAsANewTeamWould() throws Exception {
    Path adminHome = java.nio.file.Files.createTempDirectory("admin-home");
    Path anaHome = java.nio.file.Files.createTempDirectory("ana-home");
    Path bobHome = java.nio.file.Files.createTempDirectory("bob-home");
    SkiffRun made = SkiffRun.asAdmin(node, adminHome, "accounts:create", "ana@crew.example", "--password",
        "ana-password-1");
    assertEquals(0, made.status(), made.all());
    SkiffRun bobMade = SkiffRun.asAdmin(node, adminHome, "accounts:create", "bob@crew.example");
    assertTrue(bobMade.out().contains("password: "), "a generated password is shown once: " + bobMade.out());
    String bobPassword = bobMade.out().replaceAll("(?s).*password: (\\S+).*", "$1");

    SkiffRun anaIn = cli(anaHome, "ana-password-1\n", "login", "--email", "ana@crew.example");
    assertTrue(anaIn.out().contains("Logged in as ana@crew.example"), anaIn.all());
    for (String[] step : new String[][] {{"teams:create", "crew"}, {"members:add", "bob@crew.example", "--team", "crew"},
        {"apps:create", "crewapp", "--team", "crew", "--no-remote"}}) {
      SkiffRun r = cli(anaHome, "", step);
      assertEquals(0, r.status(), String.join(" ", step) + ": " + r.all());
    }
    SkiffRun bobIn = cli(bobHome, bobPassword + "\n", "login", "--email", "bob@crew.example");
    assertTrue(bobIn.out().contains("Logged in as bob@crew.example"), bobIn.all());
    assertTrue(cli(bobHome, "", "apps").out().contains("crewapp"), "bob sees the team's app");
    assertEquals(0, cli(bobHome, "", "apps:info", "-a", "crewapp").status());
    assertEquals(0, cli(bobHome, "", "logs", "-a", "crewapp").status(), "and may read its logs");
    String bobToken = cli(bobHome, "", "auth:token").out().trim();

    Git git = Git.init(home.resolve("crew-work"));
    git.write("Procfile", "web: python3 -m http.server $PORT\n").write("requirements.txt", "").commit("crew");
    Git.Result refused = git.pushTo(node.apiPort(), "crewapp", bobToken);
    assertTrue(refused.status() != 0 && refused.output().contains("You may not push to crewapp")
        && refused.output().contains("deploy permission"), refused.output());
    SkiffRun granted = cli(anaHome, "", "access:update", "bob@crew.example", "--permissions", "deploy", "-a", "crewapp");
    assertEquals(0, granted.status(), granted.all());
    SkiffRun access = cli(anaHome, "", "access", "-a", "crewapp");
    assertTrue(access.out().lines().anyMatch(l -> l.startsWith("bob@crew.example") && l.contains("deploy")),
        access.all());
    Git.Result pushed = git.pushTo(node.apiPort(), "crewapp", bobToken);
    assertEquals(0, pushed.status(), pushed.output());

    String story = cli(anaHome, "", "events", "-a", "crewapp").out();
    assertTrue(story.lines().anyMatch(l -> l.contains("ana@crew.example") && l.contains("app.collaborator-set")), story);
    assertTrue(story.lines().anyMatch(l -> l.contains("bob@crew.example") && l.contains("app.push-received")), story);
    assertTrue(cli(bobHome, "", "events", "-a", "crewapp", "--reveal").status() == 0, "deploy may reveal config");
  }
}
