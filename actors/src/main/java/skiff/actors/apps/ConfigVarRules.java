package skiff.actors.apps;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/** What a config var name may look like, and how big an app's config may grow (Heroku: 32 kB). */
public final class ConfigVarRules {
  private static final Pattern NAME = Pattern.compile("^[A-Za-z_][A-Za-z0-9_]*$");
  public static final int MAX_TOTAL_BYTES = 32 * 1024;

  private ConfigVarRules() {}

  public static Optional<String> problemWithName(String name) {
    if (name == null || name.isEmpty()) {
      return Optional.of("Config var names must not be empty.");
    }
    if (!NAME.matcher(name).matches()) {
      return Optional.of("Config var name '" + name + "' is invalid: use letters, digits and underscores,"
          + " not starting with a digit (for example DATABASE_URL).");
    }
    if (name.startsWith("__")) {
      return Optional.of("Config var name '" + name + "' is invalid: names starting with __ are reserved.");
    }
    return Optional.empty();
  }

  /** A value becomes an environment variable of every dyno, and those cannot hold a NUL character. */
  public static Optional<String> problemWithValue(String name, String value) {
    int nul = value.indexOf('\0');
    if (nul >= 0) {
      return Optional.of("Config var " + name + " has a NUL character (at position " + nul + "); a dyno's"
          + " environment cannot hold one. Remove it, or encode the value (e.g. base64).");
    }
    return Optional.empty();
  }

  public static Optional<String> problemWithSize(Map<String, String> config) {
    int total = 0;
    for (var entry : config.entrySet()) {
      total += entry.getKey().getBytes(StandardCharsets.UTF_8).length
          + entry.getValue().getBytes(StandardCharsets.UTF_8).length;
    }
    if (total > MAX_TOTAL_BYTES) {
      return Optional.of("Config vars would take " + total + " bytes; an app's config vars may take at most "
          + MAX_TOTAL_BYTES + " bytes. Remove or shorten some values.");
    }
    return Optional.empty();
  }
}
