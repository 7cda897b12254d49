package skiff.http.api;

import static java.util.concurrent.CompletableFuture.completedStage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import skiff.actors.accounts.AccountService;
import skiff.actors.accounts.AppAccess;
import skiff.actors.apps.AppEntity;
import skiff.actors.apps.AppEntity.LiveApp;
import skiff.actors.apps.AppNames;
import skiff.actors.apps.AppService;
import skiff.actors.apps.Stacks;

/** Apps and what hangs directly off them: domains, collaborators, add-ons. */
final class AppEndpoints {
  private final AppService apps;
  private final AccountService accounts;
  private final AppGuard guard;
  private final Representations json;

  AppEndpoints(AppService apps, AccountService accounts, AppGuard guard, Representations json) {
    this.apps = apps;
    this.accounts = accounts;
    this.guard = guard;
    this.json = json;
  }

  void register(ApiRoutes routes) {
    routes.get("/apps", this::list);
    routes.get("/users/{user}/apps", this::list);
    routes.post("/apps", this::create);
    routes.get("/apps/{app}", call -> apps.find(call.app()).thenApply(app -> ApiResponse.ok(json.app(app))));
    routes.patch("/apps/{app}", this::update);
    routes.delete("/apps/{app}", call -> apps.destroy(call.app(), call.cause())
        .thenApply(app -> ApiResponse.ok(json.app(app))));
    routes.get("/apps/{app}/domains", call -> apps.find(call.app()).thenApply(app -> {
      RangeSpec range = RangeSpec.parse(call.header("Range").orElse(null), "id", "hostname");
      List<com.fasterxml.jackson.databind.node.ObjectNode> all = new java.util.ArrayList<>();
      all.add(json.defaultDomain(app));
      app.customDomains().forEach(host -> all.add(json.customDomain(app, host)));
      var page = Paging.apply(all, d -> d.get(range.field()).asText(), range);
      return new ApiResponse(page.status(), array(page.items()), page.headers());
    }));
    routes.post("/apps/{app}/domains", call -> {
      String host = PlatformApi.text(call.jsonObject(), "hostname");
      if (host == null) {
        throw ApiError.invalid("hostname is required, e.g. {\"hostname\": \"www.example.com\"}.");
      }
      String normalized = host.trim().toLowerCase();
      String platform = json.platformDomain();
      if (normalized.equals(platform) || normalized.endsWith("." + platform)) {
        throw ApiError.invalid(normalized + " is under " + platform + " (SKIFF_DOMAIN), where each app already has"
            + " its default hostname (APP." + platform + "); a custom domain must be outside it, e.g. www.example.com.");
      }
      return apps.addDomain(call.app(), host, call.cause())
          .thenApply(app -> ApiResponse.created(json.customDomain(app, host.trim().toLowerCase())));
    });
    routes.delete("/apps/{app}/domains/{hostname}", call -> apps.removeDomain(call.app(), call.param("hostname"),
        call.cause()).thenApply(app -> ApiResponse.ok(json.customDomain(app, call.param("hostname")))));
    routes.get("/apps/{app}/addons", call -> apps.find(call.app())
        .thenApply(app -> ApiResponse.ok(Representations.JSON.createArrayNode())));
    routes.get("/apps/{app}/pipeline-couplings", call -> apps.find(call.app()).thenApply(app -> {
      throw ApiError.notFound("This app is not part of a pipeline.");
    }));
  }

  private CompletionStage<ApiResponse> list(ApiCall call) {
    RangeSpec range = RangeSpec.parse(call.header("Range").orElse(null), "name", "id");
    return apps.list().thenApply(everything -> {
      // only the apps the caller may see: their own, shared with them, or their teams'
      List<LiveApp> all = everything.stream().filter(app -> guard.canView(call.account(), app)).toList();
      var page = Paging.apply(all, app -> range.field().equals("id") ? app.id() : app.name(), range);
      return new ApiResponse(page.status(), array(page.items().stream().map(json::app).toList()), page.headers());
    });
  }

  private CompletionStage<ApiResponse> create(ApiCall call) {
    return createApp(apps, accounts, json, call);
  }

  /**
   * POST /apps (or /teams/apps) {"name", "team"}: the caller's app, or with {@code team} the team's,
   * which its admins and members may create (viewers may not).
   */
  static CompletionStage<ApiResponse> createApp(AppService apps, AccountService accounts, Representations json,
      ApiCall call) {
    JsonNode body = call.jsonObject();
    Optional<String> name = Optional.ofNullable(PlatformApi.text(body, "name"));
    requireKnown("region", PlatformApi.text(body, "region"), Representations.REGION);
    String stack = requireStack(PlatformApi.text(body, "stack"));
    String owner = call.account().email();
    String team = PlatformApi.text(body, "team");
    if (team == null) {
      team = PlatformApi.text(body, "organization");
    }
    if (team != null) {
      var owning = accounts.view().team(team);
      String role = owning.map(t -> t.role(call.account().email())).orElse(null);
      if (owning.isEmpty() || role == null && !call.account().admin()) {
        throw ApiError.notFound("Couldn't find that team (" + team + ").");
      }
      if ("viewer".equals(role)) {
        throw new ApiError(403, "forbidden", "Viewers of team " + team + " cannot create its apps; ask a team admin.");
      }
      owner = AppAccess.teamOwner(team);
    }
    return apps.create(name, owner, Representations.REGION, stack, call.cause())
        .thenApply(app -> ApiResponse.created(json.app(app)));
  }

  /** The stack asked for (the default when none is), or a 422 naming the ones there are. */
  private static String requireStack(String given) {
    if (given == null) {
      return Representations.STACK;
    }
    if (!Stacks.isOffered(given)) {
      throw ApiError.invalid("Couldn't find that stack (" + given + "). Skiff offers " + String.join(", ",
          Stacks.offered()) + " (skiff stacks lists them).");
    }
    return Stacks.canonical(given);
  }

  private static void requireKnown(String what, String given, String only) {
    if (given != null && !given.equals(only)) {
      throw ApiError.invalid("Couldn't find that " + what + " (" + given + "). Skiff offers one " + what + ": "
          + only + ".");
    }
  }

  /** PATCH name, maintenance and build_stack: everything is checked before anything changes. */
  private CompletionStage<ApiResponse> update(ApiCall call) {
    JsonNode body = call.jsonObject();
    String newName = PlatformApi.text(body, "name");
    JsonNode maintenance = body.get("maintenance");
    String buildStack = PlatformApi.text(body, "build_stack");
    if (newName != null) {
      AppNames.problemWith(newName).ifPresent(p -> {
        throw ApiError.invalid(p);
      });
    }
    if (maintenance != null && !maintenance.isBoolean()) {
      throw ApiError.invalid("maintenance must be true or false.");
    }
    String stack = buildStack == null ? null : requireStack(buildStack);
    CompletionStage<LiveApp> result = apps.find(call.app());
    if (newName != null) {
      result = result.thenCompose(app -> apps.rename(app.id(), newName, call.cause()));
    }
    if (maintenance != null) {
      result = result.thenCompose(app -> apps.command(app.id(),
          r -> new AppEntity.SetMaintenance(maintenance.asBoolean(), call.cause(), r)).thenApply(a -> a.app()));
    }
    if (buildStack != null) {
      result = result.thenCompose(app -> apps.command(app.id(),
          r -> new AppEntity.SetBuildStack(stack, call.cause(), r)).thenApply(a -> a.app()));
    }
    return result.thenApply(app -> ApiResponse.ok(json.app(app)));
  }

  static ArrayNode array(List<? extends JsonNode> items) {
    ArrayNode array = Representations.JSON.createArrayNode();
    items.forEach(array::add);
    return array;
  }
}
