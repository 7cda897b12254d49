package skiff.actors.history;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import skiff.actors.apps.AppEntity;
import skiff.actors.dynos.DynoEntity;

/**
 * One app's journal events (its own and its dynos') gathered in journal order and replayed with the
 * entities' own event handlers, so that a state rebuilt from the journal, live or from an export,
 * is exactly what the entities would recover.
 */
public final class AppReplay {
  private final String appId;
  private final List<AppEntity.Event> appEvents = new ArrayList<>();
  private final Map<String, List<DynoEntity.Event>> dynoEvents = new TreeMap<>();
  private int count;

  public AppReplay(String appId) {
    this.appId = appId;
  }

  /** Takes an event of the app or of one of its dynos ({@code persistenceId} as the journal has it); others are ignored. */
  public void add(String persistenceId, Object event) {
    String entityId = persistenceId.substring(persistenceId.indexOf('|') + 1);
    if (event instanceof AppEntity.Event e) {
      appEvents.add(e);
    } else if (event instanceof DynoEntity.Event e) {
      dynoEvents.computeIfAbsent(entityId, k -> new ArrayList<>()).add(e);
    } else {
      return;
    }
    count++;
  }

  /** The cause of an app or dyno event, or null for any other event (a release's, the directory's). */
  public static skiff.actors.Cause causeOf(Object event) {
    if (event instanceof AppEntity.Event e) {
      return e.cause();
    }
    return event instanceof DynoEntity.Event e ? e.cause() : null;
  }

  public String appId() {
    return appId;
  }

  /** How many app and dyno events were taken. */
  public int events() {
    return count;
  }

  public AppEntity.State app() {
    return AppEntity.replay(appId, appEvents);
  }

  /** Each dyno's state by its name (web.1), in name order. */
  public Map<String, DynoEntity.State> dynos() {
    Map<String, DynoEntity.State> byName = new TreeMap<>();
    dynoEvents.forEach((entityId, events) ->
        byName.put(entityId.substring(entityId.indexOf(':') + 1), DynoEntity.replay(entityId, events)));
    return byName;
  }
}
