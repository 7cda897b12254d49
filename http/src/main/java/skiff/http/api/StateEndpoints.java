package skiff.http.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.persistence.query.EventEnvelope;
import skiff.actors.apps.AppEntity;
import skiff.actors.apps.AppService;
import skiff.actors.apps.FormationEntry;
import skiff.actors.dynos.DynoEntity;
import skiff.persistence.JournalReader;

/**
 * {@code GET /apps/{app}/state?at=T}: the app as it was at an instant, computed by replaying its
 * journal (app and dyno events) up to then with the entities' own event handlers: the current
 * release, its slug, config var names (values with {@code reveal=true}), formation, process types
 * and dynos.
 */
public final class StateEndpoints {
  private final AppService apps;
  private final JournalReader journal;

  public StateEndpoints(AppService apps, JournalReader journal) {
    this.apps = apps;
    this.journal = journal;
  }

  public void register(ApiRoutes routes) {
    routes.get("/apps/{app}/state", this::state);
  }

  private CompletionStage<ApiResponse> state(ApiCall call) {
    Instant at = call.query("at").map(v -> EventFilter.instant("at", v)).orElseGet(Instant::now);
    boolean reveal = call.query("reveal").map(Boolean::parseBoolean).orElse(false);
    return apps.find(call.app()).thenCompose(app -> journal.byTag(AppEntity.tag(app.id())).thenApply(all -> {
      List<AppEntity.Event> appEvents = new ArrayList<>();
      Map<String, List<DynoEntity.Event>> dynoEvents = new TreeMap<>();
      for (EventEnvelope e : all) {
        Object event = e.event();
        if (event instanceof AppEntity.Event ae && !ae.cause().at().isAfter(at)) {
          appEvents.add(ae);
        } else if (event instanceof DynoEntity.Event de && !de.cause().at().isAfter(at)) {
          dynoEvents.computeIfAbsent(e.persistenceId().substring(e.persistenceId().indexOf('|') + 1),
              k -> new ArrayList<>()).add(de);
        }
      }
      AppEntity.State state = AppEntity.replay(app.id(), appEvents);
      if (!(state instanceof AppEntity.LiveApp past)) {
        String created = appEvents.isEmpty() && !all.isEmpty() ? " It was created at " + createdAt(all) + "." : "";
        throw ApiError.invalid(app.name() + " did not exist at " + at + "." + created);
      }
      return ApiResponse.ok(render(past, at, reveal, dynoEvents));
    }));
  }

  private static String createdAt(List<EventEnvelope> all) {
    Object first = all.get(0).event();
    return first instanceof AppEntity.Event e ? e.cause().at().toString() : "?";
  }

  private static ObjectNode render(AppEntity.LiveApp app, Instant at, boolean reveal,
      Map<String, List<DynoEntity.Event>> dynoEvents) {
    ObjectNode n = Representations.JSON.createObjectNode();
    n.put("at", at.toString());
    n.put("name", app.name());
    n.put("maintenance", app.maintenance());
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
    ArrayNode dynos = n.putArray("dynos");
    Map<String, DynoEntity.State> byName = new LinkedHashMap<>();
    dynoEvents.forEach((entityId, events) -> byName.put(entityId.substring(entityId.indexOf(':') + 1),
        DynoEntity.replay(entityId, events)));
    byName.forEach((name, d) -> {
      if (!d.retired() && d.spec() != null) {
        dynos.addObject().put("name", name).put("state", d.phase())
            .put("release", d.shownRelease());
      }
    });
    return n;
  }
}
