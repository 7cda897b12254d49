package skiff.http.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.concurrent.CompletionStage;
import skiff.actors.Cause;
import skiff.actors.apps.AppEntity.LiveApp;
import skiff.actors.apps.AppService;
import skiff.actors.dynos.DynoEntity.DynoView;
import skiff.actors.dynos.FormationReconciler;
import skiff.actors.dynos.OneOffRunner;

/**
 * Dynos: list them with Heroku's fields, restart all / a type / one, and stop one. Skiff adds
 * {@code restart_at} (when a crashed dyno in its cooldown will be started again) and {@code port}.
 */
public final class DynoEndpoints {
  private final AppService apps;
  private final FormationReconciler dynos;
  private final Representations json;

  private final OneOffRunner oneOffs;

  public DynoEndpoints(AppService apps, FormationReconciler dynos, OneOffRunner oneOffs, PublicUrls urls) {
    this.apps = apps;
    this.dynos = dynos;
    this.oneOffs = oneOffs;
    this.json = new Representations(urls);
  }

  public void register(ApiRoutes routes) {
    routes.get("/apps/{app}/dynos", call -> apps.find(call.app()).thenCompose(app -> dynos.views(app)
        .thenCombine(oneOffs.running(app.id()), (views, runs) -> {
          var list = AppEndpoints.array(views.stream().map(v -> dyno(app, v)).toList());
          // the app's one-offs, wherever in the cluster they run
          runs.forEach(r -> list.add(oneOff(app, r.name(), r.command(), r.state(), r.since(), r.releaseVersion(),
              null, r.node())));
          return ApiResponse.ok(list);
        })));
    routes.post("/apps/{app}/dynos", this::runOneOff);
    routes.get("/apps/{app}/dynos/{dyno}", call -> apps.find(call.app()).thenCompose(app -> dynos.views(app)
        .thenApply(views -> ApiResponse.ok(dyno(app, views.stream().filter(v -> v.name().equals(call.param("dyno")))
            .findFirst().orElseThrow(() -> ApiError.notFound("Couldn't find that dyno (" + call.param("dyno")
                + ")."))))))); 
    routes.delete("/apps/{app}/dynos", call -> restart(call, null));
    routes.delete("/apps/{app}/dynos/{dyno}", call -> restart(call, call.param("dyno")));
    routes.delete("/apps/{app}/formations/{type}", call -> restart(call, call.param("type")));
    routes.post("/apps/{app}/dynos/{dyno}/actions/stop", call -> restart(call, call.param("dyno")));
    routes.post("/apps/{app}/formations/{type}/actions/stop", call -> restart(call, call.param("type")));
  }

  /**
   * Restarts every dyno, those of one type ({@code web}) or one dyno ({@code web.1}). Stopping a
   * formation dyno is the same on Heroku: the formation says it should run, so it starts again.
   */
  private CompletionStage<ApiResponse> restart(ApiCall call, String which) {
    Cause cause = call.cause();
    return apps.find(call.app()).thenCompose(app -> {
      List<String> names = FormationReconciler.desiredNames(app).stream()
          .filter(n -> which == null || n.equals(which) || n.startsWith(which + "."))
          .toList();
      if (which != null && names.isEmpty()) {
        throw ApiError.notFound("Couldn't find that process type or dyno (" + which + ").");
      }
      // one at a time, as Heroku restarts web dynos, so the app keeps serving throughout
      return dynos.restartInTurn(app.id(), names, cause)
          .thenApply(v -> ApiResponse.accepted(Representations.JSON.createObjectNode()));
    });
  }

  /** {@code heroku run}: {@code {"command", "attach", "env", "force_no_tty", "size"}}. */
  private CompletionStage<ApiResponse> runOneOff(ApiCall call) {
    var body = call.jsonObject();
    String command = PlatformApi.text(body, "command");
    if (command == null || command.isBlank()) {
      throw ApiError.invalid("command is required: what to run, e.g. {\"command\": \"bash\"}.");
    }
    boolean attach = body.path("attach").asBoolean(false);
    String requestedSize = PlatformApi.text(body, "size");
    String size = requestedSize == null || requestedSize.isBlank() ? skiff.actors.apps.DynoSizes.DEFAULT
        : skiff.actors.apps.DynoSizes.canonical(requestedSize.trim()).orElseThrow(() -> ApiError.invalid(
            "Unknown dyno size '" + requestedSize + "'. Sizes: " + String.join(", ", skiff.actors.apps.DynoSizes.names())
                + "."));
    java.util.Map<String, String> env = new java.util.HashMap<>();
    body.path("env").fields().forEachRemaining(f -> env.put(f.getKey(), f.getValue().asText()));
    boolean tty = attach && !body.path("force_no_tty").asBoolean(false) && env.containsKey("COLUMNS");
    Cause cause = call.cause();
    return apps.find(call.app()).thenCompose(app -> {
      if (app.currentSlug() == null) {
        throw new ApiError(409, "conflict", "Nothing is deployed to " + app.name() + " yet: git push first.");
      }
      return oneOffs.run(app, command, env, attach, tty, cause).handle((started, error) -> {
        if (error != null) {
          Throwable why = error instanceof java.util.concurrent.CompletionException && error.getCause() != null
              ? error.getCause() : error;
          if (String.valueOf(why.getMessage()).startsWith("The cluster is full")) {
            throw ApiError.invalid(why.getMessage());
          }
          throw new ApiError(500, "internal_server_error", "The one-off dyno could not start: " + why.getMessage());
        }
        ObjectNode created = oneOff(app, started.name(), command, "starting", java.time.Instant.now(),
            app.currentVersion(), started.attachUrl(), started.node());
        created.put("size", size);
        return ApiResponse.created(created);
      });
    });
  }

  private ObjectNode oneOff(LiveApp app, String name, String command, String state, java.time.Instant since,
      int releaseVersion, String attachUrl, String node) {
    ObjectNode n = Representations.JSON.createObjectNode();
    n.put("id", Representations.stableId("dyno", app.id(), name, since.toString()));
    n.put("name", name);
    n.put("type", name.substring(0, name.indexOf('.'))); // run, or release for a release phase
    n.put("state", state);
    n.put("command", command);
    n.put("size", "Basic");
    if (attachUrl == null) {
      n.putNull("attach_url");
    } else {
      n.put("attach_url", attachUrl);
    }
    n.putObject("release").put("version", releaseVersion).put("id", app.releaseId(releaseVersion));
    n.putObject("app").put("id", app.id()).put("name", app.name());
    n.put("node", node);
    n.put("created_at", Representations.time(since));
    n.put("updated_at", Representations.time(since));
    return n;
  }

  private ObjectNode dyno(LiveApp app, DynoView v) {
    ObjectNode n = Representations.JSON.createObjectNode();
    n.put("id", Representations.stableId("dyno", app.id(), v.name()));
    n.put("name", v.name());
    n.put("type", v.type());
    n.put("state", v.state());
    n.put("command", v.command());
    n.put("size", v.size());
    n.putNull("attach_url");
    ObjectNode release = n.putObject("release");
    release.put("version", v.releaseVersion());
    release.put("id", app.releaseId(v.releaseVersion()));
    n.putObject("app").put("id", app.id()).put("name", app.name());
    n.put("created_at", Representations.time(v.since()));
    n.put("updated_at", Representations.time(v.since()));
    if (v.restartAt() != null) {
      n.put("restart_at", Representations.time(v.restartAt()));
    } else {
      n.putNull("restart_at");
    }
    n.put("port", v.port());
    n.put("pid", v.pid());
    n.put("node", v.node());
    if (v.lastExitStatus() != null) {
      n.put("exit_status", v.lastExitStatus());
    }
    return n;
  }
}
