package skiff.http.api;

import static java.util.concurrent.CompletableFuture.completedStage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.CompletionStage;
import skiff.actors.accounts.AccountEntity;
import skiff.actors.accounts.AccountService;
import skiff.actors.accounts.AppAccess;
import skiff.actors.accounts.Permission;
import skiff.actors.accounts.TeamEntity;
import skiff.actors.apps.AppEntity;
import skiff.actors.apps.AppEntity.LiveApp;
import skiff.actors.apps.AppService;

/**
 * Teams, their members and apps, and who has access to an app ({@code access}, {@code access:add},
 * {@code access:update}, {@code access:remove}, {@code apps:transfer}), in the shapes the heroku CLI
 * uses: {@code /teams/...} for teams and team apps, {@code /apps/{app}/collaborators} for personal
 * apps.
 */
final class TeamEndpoints {
  private final AppService apps;
  private final AccountService accounts;
  private final AppGuard guard;
  private final Representations json;

  TeamEndpoints(AppService apps, AccountService accounts, AppGuard guard, Representations json) {
    this.apps = apps;
    this.accounts = accounts;
    this.guard = guard;
    this.json = json;
  }

  void register(ApiRoutes routes) {
    routes.post("/teams", call -> {
      String name = PlatformApi.text(call.jsonObject(), "name");
      if (name == null) {
        throw ApiError.invalid("name is required, e.g. {\"name\": \"acme\"}.");
      }
      return accounts.createTeam(name, call.account().email(), call.cause())
          .thenApply(t -> ApiResponse.created(team(t, call.account().email())));
    });
    // registered before /teams/{team}, which would take "permissions" for a team's name
    routes.get("/teams/permissions", call -> {
      List<ObjectNode> all = new ArrayList<>();
      for (Permission p : Permission.values()) {
        all.add(Representations.JSON.createObjectNode().put("name", p.label()).put("description", switch (p) {
          case VIEW -> "See the app and its releases, formation, dynos, logs, builds and journal.";
          case DEPLOY -> "Push code, build, release and roll back; read config values.";
          case OPERATE -> "Scale, restart and stop dynos; run one-off dynos.";
          case MANAGE -> "Change config vars, domains, drains, maintenance, name and access.";
        }));
      }
      return completedStage(ApiResponse.ok(AppEndpoints.array(all)));
    });
    routes.get("/teams", call -> completedStage(ApiResponse.ok(AppEndpoints.array(
        accounts.view().teamsOf(call.account().email()).stream().map(t -> team(t, call.account().email())).toList()))));
    routes.get("/teams/{team}", call -> completedStage(ApiResponse.ok(team(visibleTeam(call), call.account().email()))));
    routes.get("/teams/{team}/features", call -> {
      visibleTeam(call);
      // the heroku CLI asks for --permissions on team apps only when this feature is on
      ObjectNode feature = Representations.JSON.createObjectNode().put("name", "org-access-controls")
          .put("enabled", true).put("id", Representations.stableId("feature", "org-access-controls"));
      return completedStage(ApiResponse.ok(AppEndpoints.array(List.of(feature))));
    });
    routes.get("/teams/{team}/members", call -> {
      TeamEntity.LiveTeam t = visibleTeam(call);
      List<ObjectNode> members = new ArrayList<>();
      new java.util.TreeMap<>(t.roles()).forEach((email, role) -> members.add(member(t, email, role)));
      return completedStage(ApiResponse.ok(AppEndpoints.array(members)));
    });
    routes.add("PUT", "/teams/{team}/members", this::setMember);
    routes.patch("/teams/{team}/members", this::setMember);
    routes.delete("/teams/{team}/members/{email}", call -> {
      requireTeamAdmin(call);
      return accounts.removeMember(call.param("team"), call.param("email"), call.cause())
          .thenApply(t -> ApiResponse.ok(Representations.JSON.createObjectNode().put("email", call.param("email"))));
    });
    routes.get("/teams/{team}/apps", call -> {
      TeamEntity.LiveTeam t = visibleTeam(call);
      return apps.list().thenApply(all -> ApiResponse.ok(AppEndpoints.array(all.stream()
          .filter(a -> t.name().equals(AppAccess.teamOf(a)) && guard.canView(call.account(), a))
          .map(json::app).toList())));
    });
    routes.post("/teams/apps", call -> AppEndpoints.createApp(apps, accounts, json, call));
    routes.get("/teams/apps/{app}", call -> apps.find(call.app()).thenApply(app -> ApiResponse.ok(json.app(app))));
    routes.patch("/teams/apps/{app}", this::transfer);
    routes.post("/apps/{app}/transfer", this::transfer);

    for (String base : List.of("/apps/{app}/collaborators", "/teams/apps/{app}/collaborators")) {
      routes.get(base, call -> apps.find(call.app()).thenApply(app -> ApiResponse.ok(AppEndpoints.array(access(app)))));
      routes.post(base, this::addCollaborator);
      routes.patch(base + "/{email}", call -> setCollaborator(call, call.param("email"), true));
      routes.delete(base + "/{email}", call -> {
        String email = AccountEntity.entityId(call.param("email"));
        return apps.command(call.app(), r -> new AppEntity.RemoveCollaborator(email, call.cause(), r))
            .thenApply(a -> ApiResponse.ok(json.collaborator(a.app(), email, "collaborator", List.of())));
      });
    }
  }

  private TeamEntity.LiveTeam visibleTeam(ApiCall call) {
    TeamEntity.LiveTeam t = accounts.view().team(call.param("team"))
        .orElseThrow(() -> ApiError.notFound("Couldn't find that team."));
    if (t.role(call.account().email()) == null && !call.account().admin()) {
      throw ApiError.notFound("Couldn't find that team.");
    }
    return t;
  }

  private void requireTeamAdmin(ApiCall call) {
    TeamEntity.LiveTeam t = visibleTeam(call);
    if (!"admin".equals(t.role(call.account().email())) && !call.account().admin()) {
      throw new ApiError(403, "forbidden", "Only admins of team " + t.name() + " may change its members.");
    }
  }

  private CompletionStage<ApiResponse> setMember(ApiCall call) {
    requireTeamAdmin(call);
    JsonNode body = call.jsonObject();
    String email = PlatformApi.text(body, "email");
    String role = Optional.ofNullable(PlatformApi.text(body, "role")).orElse("member");
    if (email == null) {
      throw ApiError.invalid("email is required, e.g. {\"email\": \"ana@example.com\", \"role\": \"member\"}.");
    }
    return accounts.setMember(call.param("team"), email, role, call.cause())
        .thenApply(t -> ApiResponse.ok(member(t, AccountEntity.entityId(email), role)));
  }

  /** PATCH /teams/apps/{app} {"owner": TEAM or EMAIL}: the app changes hands (owners and team admins). */
  private CompletionStage<ApiResponse> transfer(ApiCall call) {
    String to = PlatformApi.text(call.jsonObject(), "owner");
    if (to == null) {
      to = PlatformApi.text(call.jsonObject(), "recipient");
    }
    if (to == null) {
      throw ApiError.invalid("owner is required: a team's name or an account's email.");
    }
    String owner;
    if (to.contains("@") && !to.endsWith("@herokumanager.com")) {
      owner = AccountEntity.entityId(to);
      if (accounts.view().account(owner).isEmpty()) {
        throw ApiError.notFound("There is no account for " + to + ".");
      }
    } else {
      String team = to.endsWith("@herokumanager.com") ? to.substring(0, to.indexOf('@')) : to;
      TeamEntity.LiveTeam t = accounts.view().team(team).orElseThrow(() -> ApiError.notFound("Couldn't find that team."));
      if (t.role(call.account().email()) == null && !call.account().admin()) {
        throw new ApiError(403, "forbidden", "You can only transfer an app to a team you are a member of.");
      }
      owner = AppAccess.teamOwner(team);
    }
    String newOwner = owner;
    return guard.owned(call.app(), call.account())
        .thenCompose(app -> apps.command(app.id(), r -> new AppEntity.Transfer(newOwner, call.cause(), r)))
        .thenApply(a -> ApiResponse.ok(json.app(a.app())));
  }

  /** POST .../collaborators {"user": EMAIL, "permissions": [...]}: personal apps grant everything. */
  private CompletionStage<ApiResponse> addCollaborator(ApiCall call) {
    JsonNode body = call.jsonObject();
    String email = PlatformApi.text(body, "user");
    if (email == null) {
      email = PlatformApi.text(body, "email");
    }
    if (email == null) {
      throw ApiError.invalid("user is required: the email of the account to give access, e.g. {\"user\": \"ana@x.com\"}.");
    }
    return setCollaborator(call, email, false);
  }

  private CompletionStage<ApiResponse> setCollaborator(ApiCall call, String asked, boolean update) {
    String email = AccountEntity.entityId(asked);
    if (accounts.view().account(email).isEmpty()) {
      throw ApiError.notFound("There is no account for " + email + "; an admin creates it first (skiff accounts:create "
          + email + ").");
    }
    JsonNode given = call.jsonObject().get("permissions");
    return apps.find(call.app()).thenCompose(app -> {
      String team = AppAccess.teamOf(app);
      List<String> permissions;
      if (team == null) {
        if (update) {
          throw ApiError.invalid(app.name() + " is a personal app: its collaborators may do everything but destroy"
              + " and transfer it, so there are no permissions to update.");
        }
        permissions = Permission.labels();
      } else {
        if (accounts.view().team(team).map(t -> t.role(email)).isEmpty()) {
          throw ApiError.invalid(email + " is not a member of team " + team + "; a team admin adds them first"
              + " (skiff members:add " + email + " --team " + team + ").");
        }
        permissions = permissions(given);
      }
      return apps.command(app.id(), r -> new AppEntity.SetCollaborator(email, permissions, call.cause(), r))
          .thenApply(a -> update ? ApiResponse.ok(json.collaborator(a.app(), email, "member", permissions))
              : ApiResponse.created(json.collaborator(a.app(), email, team == null ? "collaborator" : "member",
                  permissions)));
    });
  }

  /** The permissions asked for (as names or {"name": …} objects), view always among them. */
  private static List<String> permissions(JsonNode given) {
    TreeSet<String> out = new TreeSet<>(List.of(Permission.VIEW.label()));
    if (given != null && !given.isNull()) {
      if (!given.isArray()) {
        throw ApiError.invalid("permissions must be a list, e.g. [\"deploy\", \"operate\"].");
      }
      for (JsonNode p : given) {
        String label = p.isObject() ? p.path("name").asText() : p.asText();
        Permission.parse(label).orElseThrow(() -> ApiError.invalid("'" + label + "' is not a permission; use "
            + String.join(", ", Permission.labels()) + "."));
        out.add(label.trim().toLowerCase(java.util.Locale.ROOT));
      }
    }
    return List.copyOf(out);
  }

  /** Everyone with access: the owner (or the team's admins), then collaborators and members. */
  private List<ObjectNode> access(LiveApp app) {
    List<ObjectNode> out = new ArrayList<>();
    String team = AppAccess.teamOf(app);
    if (team == null) {
      out.add(json.owner(app));
    } else {
      accounts.view().team(team).ifPresent(t -> new java.util.TreeMap<>(t.roles()).forEach((email, role) -> {
        if (role.equals("admin")) {
          out.add(json.collaborator(app, email, "admin", Permission.labels()));
        } else if (!app.collaborators().containsKey(email)) {
          out.add(json.collaborator(app, email, role, List.of(Permission.VIEW.label())));
        }
      }));
    }
    new java.util.TreeMap<>(app.collaborators()).forEach((email, permissions) ->
        out.add(json.collaborator(app, email, team == null ? "collaborator" : "member", permissions)));
    return out;
  }

  private ObjectNode team(TeamEntity.LiveTeam t, String caller) {
    ObjectNode n = Representations.JSON.createObjectNode();
    n.put("id", Representations.stableId("team", t.name()));
    n.put("name", t.name());
    String role = t.role(caller);
    if (role == null) {
      n.putNull("role");
    } else {
      n.put("role", role);
    }
    n.put("type", "team");
    n.put("default", false);
    n.put("created_at", Representations.time(t.createdAt()));
    n.put("updated_at", Representations.time(t.createdAt()));
    return n;
  }

  private ObjectNode member(TeamEntity.LiveTeam t, String email, String role) {
    ObjectNode n = Representations.JSON.createObjectNode();
    n.put("id", Representations.stableId("member", t.name(), email));
    n.put("email", email);
    n.put("role", role);
    n.put("federated", false);
    n.put("two_factor_authentication", false);
    ObjectNode user = n.putObject("user");
    user.put("email", email);
    user.put("id", Representations.accountId(email));
    user.putNull("name");
    return n;
  }
}
