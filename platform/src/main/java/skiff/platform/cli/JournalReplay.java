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

/**
 * Rebuilds apps from an {@code events:export} file with the entities' own event handlers, offline:
 * what {@code events:verify} prints is what the platform would recover from those events.
 */
final class JournalReplay {
  private static final ObjectMapper JSON = new ObjectMapper().findAndRegisterModules()
      .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

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

  static List<AppState> replay(List<String> lines) throws Exception {
    Map<String, List<AppEntity.Event>> apps = new TreeMap<>();
    Map<String, Map<String, List<DynoEntity.Event>>> dynos = new TreeMap<>();
    Map<String, Integer> counts = new TreeMap<>();
    int lineNumber = 0;
    for (String line : lines) {
      lineNumber++;
      if (line.isBlank()) {
        continue;
      }
      JsonNode n = JSON.readTree(line);
      String pid = n.path("persistence_id").asText();
      Class<?> type;
      try {
        type = Class.forName(n.path("class").asText());
      } catch (ClassNotFoundException e) {
        throw new SkiffCli.Problem("Line " + lineNumber + ": unknown event class " + n.path("class").asText() + ".");
      }
      Object event = JSON.treeToValue(n.path("event"), type);
      String entityId = pid.substring(pid.indexOf('|') + 1);
      if (event instanceof AppEntity.Event e) {
        apps.computeIfAbsent(entityId, k -> new ArrayList<>()).add(e);
        counts.merge(entityId, 1, Integer::sum);
      } else if (event instanceof DynoEntity.Event e) {
        String appId = entityId.substring(0, entityId.indexOf(':'));
        dynos.computeIfAbsent(appId, k -> new TreeMap<>()).computeIfAbsent(entityId, k -> new ArrayList<>()).add(e);
        counts.merge(appId, 1, Integer::sum);
      }
    }
    List<AppState> out = new ArrayList<>();
    for (var entry : apps.entrySet()) {
      Map<String, DynoEntity.State> states = new TreeMap<>();
      dynos.getOrDefault(entry.getKey(), Map.of()).forEach((entityId, events) ->
          states.put(entityId.substring(entityId.indexOf(':') + 1), DynoEntity.replay(entityId, events)));
      out.add(new AppState(entry.getKey(), AppEntity.replay(entry.getKey(), entry.getValue()), states,
          counts.getOrDefault(entry.getKey(), 0)));
    }
    return out;
  }
}
