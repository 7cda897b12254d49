package skiff.platform.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import skiff.actors.accounts.Passwords;

/**
 * Who may use the platform and each app: accounts (admins), API tokens ({@code authorizations}),
 * teams and their members, and access to apps, with the heroku CLI's command names.
 */
final class AccessCommands {
  private final SkiffCli cli;

  AccessCommands(SkiffCli cli) {
    this.cli = cli;
  }

  void register() {
    cli.add("accounts", "accounts [--json]", "list every account (admins)", a -> {
      JsonNode accounts = cli.api(a).get("/accounts");
      if (!cli.json(a, accounts)) {
        accounts.forEach(x -> cli.out.printf("%-32s %-20s %s%n", x.path("email").asText(), x.path("name").asText(),
            x.path("admin").asBoolean() ? "admin" : ""));
      }
      return 0;
    });
    cli.add("accounts:create", "accounts:create EMAIL [--name NAME] [--password PASSWORD] [--admin]",
        "make an account (admins); without --password one is generated and printed once", a -> {
          String email = a.positional(0).orElseThrow(() -> new SkiffCli.Problem("Usage: skiff accounts:create EMAIL"));
          String password = a.value(null, "password").orElse(null);
          boolean generated = password == null;
          if (generated) {
            password = Passwords.generate();
          }
          Map<String, Object> body = new LinkedHashMap<>();
          body.put("email", email);
          body.put("password", password);
          a.value(null, "name").ifPresent(n -> body.put("name", n));
          if (a.has("admin")) {
            body.put("admin", true);
          }
          JsonNode account = cli.api(a).post("/accounts", body);
          cli.out.println("Created " + account.path("email").asText() + (account.path("admin").asBoolean() ? " (admin)" : "")
              + (generated ? "; password: " + password + " (shown once: pass it on safely)" : ""));
          return 0;
        });
    cli.add("accounts:destroy", "accounts:destroy EMAIL", "delete an account and revoke its tokens (admins)", a -> {
      String email = a.positional(0).orElseThrow(() -> new SkiffCli.Problem("Usage: skiff accounts:destroy EMAIL"));
      cli.api(a).delete("/accounts/" + email);
      cli.out.println("Deleted " + email + "; its tokens no longer work.");
      return 0;
    });
    cli.add("authorizations", "authorizations [--json]", "list your API tokens", a -> {
      JsonNode list = cli.api(a).get("/oauth/authorizations");
      if (!cli.json(a, list)) {
        list.forEach(x -> cli.out.printf("%-36s  %-40s %s%n", x.path("id").asText(), x.path("description").asText(),
            x.path("access_token").path("expires_in").isNull() ? "no expiry"
                : "expires in " + x.path("access_token").path("expires_in").asLong() + " s"));
      }
      return 0;
    });
    cli.add("authorizations:create", "authorizations:create [--description TEXT] [--expires-in SECONDS] [--json]",
        "make a new API token (shown once)", a -> {
          Map<String, Object> body = new LinkedHashMap<>();
          a.value(null, "description").ifPresent(d -> body.put("description", d));
          a.value(null, "expires-in").ifPresent(s -> body.put("expires_in", Long.parseLong(s)));
          JsonNode created = cli.api(a).post("/oauth/authorizations", body);
          if (!cli.json(a, created)) {
            cli.out.println("Token:  " + created.path("access_token").path("token").asText());
            cli.out.println("Id:     " + created.path("id").asText());
          }
          return 0;
        });
    cli.add("authorizations:revoke", "authorizations:revoke ID", "revoke an API token at once", a -> {
      String id = a.positional(0).orElseThrow(() -> new SkiffCli.Problem("Usage: skiff authorizations:revoke ID"));
      cli.api(a).delete("/oauth/authorizations/" + id);
      cli.out.println("Revoked " + id + ".");
      return 0;
    });
    cli.add("teams", "teams [--json]", "list your teams", a -> {
      JsonNode teams = cli.api(a).get("/teams");
      if (!cli.json(a, teams)) {
        teams.forEach(t -> cli.out.printf("%-30s %s%n", t.path("name").asText(), t.path("role").asText()));
      }
      return 0;
    });
    cli.add("teams:create", "teams:create NAME", "make a team; you are its admin", a -> {
      String name = a.positional(0).orElseThrow(() -> new SkiffCli.Problem("Usage: skiff teams:create NAME"));
      cli.api(a).post("/teams", Map.of("name", name));
      cli.out.println("Created team " + name + ".");
      return 0;
    });
    cli.add("members", "members --team TEAM [--json]", "list a team's members", a -> {
      JsonNode members = cli.api(a).get("/teams/" + team(a) + "/members");
      if (!cli.json(a, members)) {
        members.forEach(m -> cli.out.printf("%-32s %s%n", m.path("email").asText(), m.path("role").asText()));
      }
      return 0;
    });
    cli.add("members:add", "members:add EMAIL --team TEAM [--role admin|member|viewer]",
        "add someone to a team (team admins)", a -> {
          String email = a.positional(0).orElseThrow(() -> new SkiffCli.Problem("Usage: skiff members:add EMAIL --team T"));
          String role = a.value(null, "role").orElse("member");
          cli.api(a).send("PUT", "/teams/" + team(a) + "/members", Map.of("email", email, "role", role), null);
          cli.out.println("Added " + email + " to " + team(a) + " as " + role + ".");
          return 0;
        });
    cli.add("members:remove", "members:remove EMAIL --team TEAM", "remove someone from a team (team admins)", a -> {
      String email = a.positional(0).orElseThrow(() -> new SkiffCli.Problem("Usage: skiff members:remove EMAIL --team T"));
      cli.api(a).delete("/teams/" + team(a) + "/members/" + email);
      cli.out.println("Removed " + email + " from " + team(a) + ".");
      return 0;
    });
    cli.add("access", "access [-a APP] [--json]", "who has access to the app, with their permissions", a -> {
      String app = cli.app(a);
      JsonNode list = cli.api(a).get(base(a, app) + "/collaborators");
      if (!cli.json(a, list)) {
        list.forEach(c -> {
          List<String> permissions = new ArrayList<>();
          c.path("permissions").forEach(p -> permissions.add(p.path("name").asText()));
          cli.out.printf("%-32s %-12s %s%n", c.path("user").path("email").asText(), c.path("role").asText(),
              String.join(",", permissions));
        });
      }
      return 0;
    });
    cli.add("access:add", "access:add EMAIL [-a APP] [--permissions deploy,operate,manage]",
        "give someone access to the app (team apps: with the permissions given, view always)", a -> {
          String email = a.positional(0).orElseThrow(() -> new SkiffCli.Problem("Usage: skiff access:add EMAIL"));
          String app = cli.app(a);
          Map<String, Object> body = new LinkedHashMap<>();
          body.put("user", email);
          a.value(null, "permissions").ifPresent(p -> body.put("permissions", permissions(p)));
          cli.api(a).post(base(a, app) + "/collaborators", body);
          cli.out.println("Added " + email + " to ⬢ " + app + ".");
          return 0;
        });
    cli.add("access:update", "access:update EMAIL --permissions deploy,operate,manage [-a APP]",
        "change what someone may do on a team app", a -> {
          String email = a.positional(0).orElseThrow(() -> new SkiffCli.Problem("Usage: skiff access:update EMAIL"));
          String p = a.value(null, "permissions").orElseThrow(() -> new SkiffCli.Problem(
              "Give --permissions, e.g. deploy,operate."));
          String app = cli.app(a);
          cli.api(a).patch("/teams/apps/" + app + "/collaborators/" + email, Map.of("permissions", permissions(p)));
          cli.out.println("Updated " + email + " on ⬢ " + app + ": " + String.join(",", permissions(p)) + ".");
          return 0;
        });
    cli.add("access:remove", "access:remove EMAIL [-a APP]", "take someone's access to the app away", a -> {
      String email = a.positional(0).orElseThrow(() -> new SkiffCli.Problem("Usage: skiff access:remove EMAIL"));
      String app = cli.app(a);
      cli.api(a).delete(base(a, app) + "/collaborators/" + email);
      cli.out.println("Removed " + email + " from ⬢ " + app + ".");
      return 0;
    });
    cli.add("apps:transfer", "apps:transfer RECIPIENT [-a APP]", "hand the app to another account or a team", a -> {
      String to = a.positional(0).orElseThrow(() -> new SkiffCli.Problem("Usage: skiff apps:transfer EMAIL|TEAM"));
      String app = cli.app(a);
      cli.api(a).patch("/teams/apps/" + app, Map.of("owner", to));
      cli.out.println("Transferred ⬢ " + app + " to " + to + ".");
      return 0;
    });
  }

  private static String team(Args a) {
    return a.value("t", "team").orElseThrow(() -> new SkiffCli.Problem("Give the team with --team TEAM."));
  }

  private static List<String> permissions(String given) {
    return Arrays.stream(given.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
  }

  /** Team apps' collaborators live under /teams/apps, as the heroku CLI calls them. */
  private String base(Args a, String app) {
    JsonNode info = cli.api(a).get("/apps/" + app);
    return info.path("team").isObject() ? "/teams/apps/" + app : "/apps/" + app;
  }
}
