package skiff.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import skiff.actors.Cause;
import skiff.actors.accounts.AccessView;
import skiff.actors.accounts.AccountEntity;
import skiff.actors.accounts.AppAccess;
import skiff.actors.accounts.Authorization;
import skiff.actors.accounts.TeamEntity;
import skiff.actors.accounts.Tokens;
import skiff.actors.apps.AppEntity;
import skiff.platform.node.SkiffNode;
import skiff.test.Api;
import skiff.test.TestNode;

/**
 * What checking who may do what costs. In process: a token looked up in the node's AccessView
 * (1,000 accounts with 5 tokens each, 100 teams) and the app's rights worked out, per call. Over
 * HTTP: the same API read as the bootstrap admin and as a team member (the member's path looks the
 * token up and the team role), and, as the floor, {@code GET /account}, which needs no app.
 * The router checks nothing: apps' web traffic is public, as on Heroku.
 * {@code cd test && mvn -Pbench exec:java@access-bench}
 */
public final class AccessBench {
  public static void main(String[] args) throws Exception {
    inProcess();
    overHttp();
  }

  private static void inProcess() {
    AccessView view = new AccessView();
    Instant now = Instant.now();
    Cause cause = new Cause("bench", now, null);
    List<String> tokens = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      String email = "user" + i + "@example.com";
      List<Authorization> auths = new ArrayList<>();
      for (int t = 0; t < 5; t++) {
        String token = Tokens.newToken();
        tokens.add(token);
        auths.add(new Authorization(email + t, Tokens.hash(token), "bench", now, null));
      }
      view.account(email, 1, new AccountEntity.LiveAccount(email, email, null, false, now, now, null, auths));
    }
    for (int t = 0; t < 100; t++) {
      view.team("team" + t, 1, new TeamEntity.LiveTeam("team" + t, now, Map.of("user" + t + "@example.com", "member")));
    }
    AppEntity.LiveApp app = new AppEntity.LiveApp("app-1", "bench", AppAccess.teamOwner("team7"), "local", "host",
        "host", false, now, now, now, Map.of(), Map.of(), 0, null, Map.of(), Map.of(), null, List.of(), null, Map.of(), 0,
        List.of(), List.of(), Map.of("user7@example.com", List.of("view", "deploy")));
    long[] rounds = new long[7];
    int calls = 200_000;
    for (int r = 0; r < rounds.length; r++) {
      long start = System.nanoTime();
      int allowed = 0;
      for (int i = 0; i < calls; i++) {
        var grant = view.byToken(tokens.get((i * 7919) % tokens.size()), now).orElseThrow();
        if (AppAccess.of(grant.account().email(), false, app, view).can(skiff.actors.accounts.Permission.VIEW)) {
          allowed++;
        }
      }
      rounds[r] = System.nanoTime() - start;
      if (allowed < 0) {
        throw new IllegalStateException();
      }
    }
    long[] measured = Arrays.copyOfRange(rounds, 2, rounds.length);
    Arrays.sort(measured);
    System.out.printf("in process: token look-up + app rights %.2f us/call (median of 5 rounds of %d, spread %.2f-%.2f)%n",
        measured[2] / 1e3 / calls, calls, measured[0] / 1e3 / calls, measured[4] / 1e3 / calls);
  }

  private static void overHttp() throws Exception {
    try (SkiffNode node = TestNode.start(TestNode.freshHome())) {
      Api admin = new Api(node.apiPort(), TestNode.TOKEN);
      admin.post("/accounts", "{\"email\":\"member@example.com\",\"password\":\"member-password\"}").expect(201);
      admin.post("/teams", "{\"name\":\"bench\"}").expect(201);
      admin.send("PUT", "/teams/bench/members", "{\"email\":\"member@example.com\",\"role\":\"member\"}", null)
          .expect(200);
      admin.post("/teams/apps", "{\"name\":\"bench-app\",\"team\":\"bench\"}").expect(201);
      HttpClient http = HttpClient.newHttpClient();
      String base = "http://127.0.0.1:" + node.apiPort();
      HttpResponse<String> login = http.send(HttpRequest.newBuilder(URI.create(base + "/oauth/authorizations"))
          .header("Authorization", "Basic " + java.util.Base64.getEncoder().encodeToString(
              "member@example.com:member-password".getBytes(java.nio.charset.StandardCharsets.UTF_8)))
          .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
      String memberToken = Api.JSON.readTree(login.body()).path("access_token").path("token").asText();
      for (String[] c : new String[][] {{"GET /account (no app)", "/account", TestNode.TOKEN},
          {"GET /apps/APP as the bootstrap admin", "/apps/bench-app", TestNode.TOKEN},
          {"GET /apps/APP as a team member (token, role)", "/apps/bench-app", memberToken},
          {"GET /apps/APP/formation as a team member", "/apps/bench-app/formation", memberToken}}) {
        long[] samples = new long[3000];
        for (int i = 0; i < samples.length; i++) {
          long start = System.nanoTime();
          HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + c[1]))
              .header("Authorization", "Bearer " + c[2]).build(), HttpResponse.BodyHandlers.ofString());
          samples[i] = System.nanoTime() - start;
          if (r.statusCode() != 200) {
            throw new IllegalStateException(c[0] + ": " + r.statusCode() + " " + r.body());
          }
        }
        long[] measured = Arrays.copyOfRange(samples, 1000, samples.length);
        Arrays.sort(measured);
        System.out.printf("%-48s p50 %.2f ms  p90 %.2f ms  (2,000 sequential, after 1,000 warm-up)%n", c[0],
            measured[measured.length / 2] / 1e6, measured[measured.length * 9 / 10] / 1e6);
      }
    }
  }
}
