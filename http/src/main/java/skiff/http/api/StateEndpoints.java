package skiff.http.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletionStage;
import skiff.actors.apps.AppEntity;
import skiff.actors.apps.AppService;
import skiff.actors.apps.FormationEntry;
import skiff.actors.apps.LogDrain;
import skiff.actors.apps.Stacks;
import skiff.actors.dynos.DynoEntity;
import skiff.actors.history.AppHistory;

/**
 * {@code GET /apps/{app}/state?at=T}: the app as it was at an instant, computed by replaying its
 * journal (app and dyno events) up to then with the entities' own event handlers: the current
 * release, its slug, config var names (values with {@code reveal=true}), formation with sizes,
 * process types, domains, drains, maintenance, stack and dynos: every field a user sees, so that a
 * restore can be checked against it.
 */
public final class StateEndpoints {
  private final AppService apps;
  private final AppHistory history;

  public StateEndpoints(AppService apps, AppHistory history) {
    this.apps = apps;
    this.history = history;
  }

  public void register(ApiRoutes routes) {
    routes.get("/apps/{app}/state", this::state);
  }

  private CompletionStage<ApiResponse> state(ApiCall call) {
    Instant at = call.query("at").map(v -> EventFilter.instant("at", v)).orElseGet(Instant::now);
    boolean reveal = call.query("reveal").map(Boolean::parseBoolean).orElse(false);
    return apps.find(call.app()).thenCompose(app -> history.at(app.id(), at).thenApply(past -> {
      if (!(past.app() instanceof AppEntity.LiveApp then)) {
        String created = past.createdAt() == null ? "" : " It was created at " + past.createdAt() + ".";
        throw ApiError.invalid(app.name() + " did not exist at " + at + "." + created);
      }
      return ApiResponse.ok(render(then, at, reveal, past.replay().dynos()));
    }));
  }

  private static ObjectNode render(AppEntity.LiveApp app, Instant at, boolean reveal,
      Map<String, DynoEntity.State> dynoStates) {
    ObjectNode n = Representations.JSON.createObjectNode();
    n.put("at", at.toString());
    n.put("name", app.name());
    n.put("maintenance", app.maintenance());
    n.put("stack", Stacks.canonical(app.buildStack()));
    ObjectNode release = n.putObject("release");
    release.put("version", app.currentVersion());
    release.put("description", app.latestRelease() == null ? null
        : app.latestRelease().version() == app.currentVersion() ? app.latestRelease().description() : null);
    release.put("slug_checksum", app.currentSlug() == null ? null : app.currentSlug().checksum());
    if (reveal) {
      ObjectNode config = n.putObject("config_vars");
      new TreeMap<>(app.config()).forEach(config::put);
    } else {
      ArrayNode names = n.putArray("config_var_names");
      new TreeMap<>(app.config()).keySet().forEach(names::add);
    }
    ObjectNode types = n.putObject("process_types");
    new TreeMap<>(app.processTypes()).forEach(types::put);
    ArrayNode formation = n.putArray("formation");
    for (FormationEntry f : app.visibleFormation()) {
      formation.addObject().put("type", f.type()).put("quantity", f.quantity()).put("size", f.size());
    }
    ArrayNode domains = n.putArray("domains");
    app.customDomains().stream().sorted().forEach(domains::add);
    ArrayNode drains = n.putArray("drains");
    app.drains().stream().map(LogDrain::url).sorted().forEach(drains::add);
    ArrayNode dynos = n.putArray("dynos");
    dynoStates.forEach((name, d) -> {
      if (!d.retired() && d.spec() != null) {
        dynos.addObject().put("name", name).put("state", d.phase()).put("release", d.shownRelease());
      }
    });
    return n;
  }
}
