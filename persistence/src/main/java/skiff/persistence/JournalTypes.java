package skiff.persistence;

import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.Config;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.pekko.serialization.jackson.JacksonMigration;

/**
 * Every type the journal may hold, by its stable name: the records reachable from the roots
 * listed under {@code skiff.journal.types} (sealed interfaces are walked through their permitted
 * subclasses). Each must carry a {@link JournalName}; a missing or repeated name fails at start,
 * before anything is written under it.
 */
public final class JournalTypes {
  /** A journaled type: its name, its current version and how older versions are brought up to it. */
  public record Entry(String name, Class<?> type, int version, JacksonMigration migration) {
    /**
     * JSON written at {@code fromVersion}, brought to the current version through the migration;
     * a version newer than this code reads (beyond what the migration says it can) is refused.
     */
    public JsonNode upgrade(int fromVersion, JsonNode json) {
      if (fromVersion == version) {
        return json;
      }
      if (fromVersion > version && (migration == null || fromVersion > migration.supportedForwardVersion())) {
        throw new IllegalStateException("'" + name + "' version " + fromVersion + " was written by a newer Skiff"
            + " (this one reads up to version " + version + ")");
      }
      return migration == null ? json : migration.transform(fromVersion, json);
    }
  }

  private final Map<String, Entry> byName;
  private final Map<Class<?>, Entry> byClass;

  private JournalTypes(Map<String, Entry> byName) {
    this.byName = Collections.unmodifiableMap(byName);
    Map<Class<?>, Entry> classes = new LinkedHashMap<>();
    byName.values().forEach(e -> classes.put(e.type(), e));
    this.byClass = Collections.unmodifiableMap(classes);
  }

  private static volatile JournalTypes loaded;

  /** The types listed in the classpath's configuration: for readers without an actor system. */
  public static JournalTypes loaded() {
    JournalTypes types = loaded;
    if (types == null) {
      types = fromConfig(com.typesafe.config.ConfigFactory.load());
      loaded = types;
    }
    return types;
  }

  public static JournalTypes fromConfig(Config config) {
    List<Class<?>> roots = new ArrayList<>();
    for (String name : config.getStringList("skiff.journal.types")) {
      try {
        roots.add(Class.forName(name, false, JournalTypes.class.getClassLoader()));
      } catch (ClassNotFoundException e) {
        throw new IllegalStateException("skiff.journal.types lists " + name + ", which is not on the classpath", e);
      }
    }
    return of(roots);
  }

  public static JournalTypes of(List<Class<?>> roots) {
    Map<String, Entry> byName = new TreeMap<>();
    List<String> unnamed = new ArrayList<>();
    for (Class<?> root : roots) {
      collect(root, byName, unnamed);
    }
    if (!unnamed.isEmpty()) {
      throw new IllegalStateException("journaled types without a @JournalName: " + String.join(", ", unnamed)
          + "; give each a stable name (see JournalName)");
    }
    return new JournalTypes(byName);
  }

  private static void collect(Class<?> type, Map<String, Entry> byName, List<String> unnamed) {
    if (type.isSealed()) {
      for (Class<?> sub : type.getPermittedSubclasses()) {
        collect(sub, byName, unnamed);
      }
      if (type.isInterface() || Modifier.isAbstract(type.getModifiers())) {
        return;
      }
    }
    JournalName name = type.getAnnotation(JournalName.class);
    if (name == null) {
      unnamed.add(type.getName());
      return;
    }
    if (!name.value().matches("[a-z][a-z0-9]*(\\.[a-z0-9]+(-[a-z0-9]+)*)+")) {
      throw new IllegalStateException(type.getName() + " has the journal name '" + name.value()
          + "'; names are lower case, kind.what-happened, e.g. app.config-vars-changed");
    }
    Entry existing = byName.get(name.value());
    if (existing != null && existing.type() != type) {
      throw new IllegalStateException("the journal name " + name.value() + " is given to both "
          + existing.type().getName() + " and " + type.getName());
    }
    JacksonMigration migration = migration(type, name);
    byName.put(name.value(), new Entry(name.value(), type, migration == null ? 1 : migration.currentVersion(), migration));
  }

  private static JacksonMigration migration(Class<?> type, JournalName name) {
    if (name.migration() == JacksonMigration.class) {
      return null;
    }
    try {
      return name.migration().getDeclaredConstructor().newInstance();
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot create " + name.migration().getName() + ", the migration of "
          + type.getName() + ": it needs a public no-argument constructor", e);
    }
  }

  public Optional<Entry> byName(String name) {
    return Optional.ofNullable(byName.get(name));
  }

  public Optional<Entry> byClass(Class<?> type) {
    return Optional.ofNullable(byClass.get(type));
  }

  /** The stable name of a journaled object's type, or its simple class name for anything else. */
  public String nameOf(Object value) {
    Entry entry = byClass.get(value.getClass());
    return entry != null ? entry.name() : value.getClass().getSimpleName();
  }

  /** Every entry, by name. */
  public List<Entry> entries() {
    return List.copyOf(byName.values());
  }
}
