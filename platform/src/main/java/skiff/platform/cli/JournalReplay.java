package skiff.platform.cli;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import skiff.actors.apps.AppEntity;
import skiff.actors.dynos.DynoEntity;
import skiff.actors.history.AppReplay;
import skiff.persistence.JournalTypes;

/**
 * Rebuilds apps from an {@code events:export} file with the entities' own event handlers, offline:
 * what {@code events:verify} prints is what the platform would recover from those events.
 */
final class JournalReplay {
  private static final ObjectMapper JSON = new ObjectMapper().findAndRegisterModules()
      .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
  private static final JournalTypes TYPES = JournalTypes.loaded();

  private JournalReplay() {}

  record AppState(String appId, AppEntity.State app, Map<String, DynoEntity.State> dynos, int events) {
    String describe() {
      if (!(app instanceof AppEntity.LiveApp live)) {
        return "=== app " + appId + ": " + (app instanceof AppEntity.DestroyedApp ? "destroyed" : "never created")
            + " (" + events + " events)";
      }
      String formation = live.visibleFormation().stream().map(f -> f.type() + "=" + f.quantity())
          .collect(Collectors.joining(" "));
      String dynoStates = dynos.entrySet().stream().filter(d -> !d.getValue().retired())
          .map(d -> d.getKey() + " " + d.getValue().phase() + " (v" + d.getValue().shownRelease() + ")")
          .collect(Collectors.joining(", "));
      return "=== " + live.name() + " (" + events + " events)\n"
          + "Release:     v" + live.currentVersion() + (live.currentSlug() == null ? ""
              : " slug " + live.currentSlug().checksum()) + "\n"
          + "Config vars: " + String.join(", ", new TreeMap<>(live.config()).keySet()) + "\n"
          + "Formation:   " + formation + "\n"
          + "Dynos:       " + dynoStates;
    }
  }

  /** The event's class from its stable type name (or, in exports made before names, its class). */
  private static Class<?> type(JsonNode n, int lineNumber) {
    if (n.has("type")) {
      return TYPES.byName(n.path("type").asText()).map(JournalTypes.Entry::type).orElseThrow(() ->
          new SkiffCli.Problem("Line " + lineNumber + ": '" + n.path("type").asText() + "' is not an event type this"
              + " version of Skiff knows."));
    }
    try {
      return Class.forName(n.path("class").asText());
    } catch (ClassNotFoundException e) {
      throw new SkiffCli.Problem("Line " + lineNumber + ": unknown event class " + n.path("class").asText() + ".");
    }
  }

  /** The event's data brought to its type's current version through the type's migration. */
  private static JsonNode upgraded(JsonNode n, int lineNumber) {
    JsonNode data = n.path("event");
    if (!n.has("type")) {
      return data;
    }
    JournalTypes.Entry entry = TYPES.byName(n.path("type").asText()).orElseThrow();
    try {
      return entry.upgrade(n.path("version").asInt(1), data);
    } catch (IllegalStateException newer) {
      throw new SkiffCli.Problem("Line " + lineNumber + ": " + newer.getMessage() + ".");
    }
  }

  static List<AppState> replay(List<String> lines) throws Exception {
    Map<String, AppReplay> apps = new TreeMap<>();
    int lineNumber = 0;
    for (String line : lines) {
      lineNumber++;
      if (line.isBlank()) {
        continue;
      }
      JsonNode n = JSON.readTree(line);
      String pid = n.path("persistence_id").asText();
      Object event = JSON.treeToValue(upgraded(n, lineNumber), type(n, lineNumber));
      String entityId = pid.substring(pid.indexOf('|') + 1);
      if (event instanceof AppEntity.Event || event instanceof DynoEntity.Event) {
        String appId = event instanceof DynoEntity.Event ? entityId.substring(0, entityId.indexOf(':')) : entityId;
        apps.computeIfAbsent(appId, AppReplay::new).add(pid, event);
      }
    }
    List<AppState> out = new ArrayList<>();
    for (AppReplay app : apps.values()) {
      out.add(new AppState(app.appId(), app.app(), app.dynos(), app.events()));
    }
    return out;
  }
}
