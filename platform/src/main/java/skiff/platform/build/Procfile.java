package skiff.platform.build;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import skiff.actors.apps.AppEntity;

/** Parses a Procfile: one {@code name: command} per line, names of letters, digits, dashes and underscores. */
public final class Procfile {
  private static final Pattern LINE = Pattern.compile("^([^:\\s]*)\\s*:\\s*(.*)$");
  private static final Pattern NAME = Pattern.compile("^[A-Za-z0-9_-]+$");

  private Procfile() {}

  /** A Procfile that cannot be used, with the line that is wrong. */
  public static final class Invalid extends Exception {
    Invalid(String message) {
      super(message);
    }
  }

  public static Map<String, String> parse(String text) throws Invalid {
    Map<String, String> types = new LinkedHashMap<>();
    String[] lines = text.split("\r?\n", -1);
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i].strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      int number = i + 1;
      Matcher m = LINE.matcher(line);
      if (!m.matches()) {
        throw new Invalid("Procfile line " + number + " ('" + line + "') is not 'name: command', e.g. 'web: ./server'.");
      }
      String name = m.group(1);
      String command = m.group(2).strip();
      if (!NAME.matcher(name).matches()) {
        throw new Invalid("Procfile line " + number + ": process type '" + name
            + "' may only use letters, digits, dashes and underscores.");
      }
      if (command.isEmpty()) {
        throw new Invalid("Procfile line " + number + ": process type '" + name + "' has no command.");
      }
      if (types.containsKey(name)) {
        throw new Invalid("Procfile line " + number + ": process type '" + name + "' is declared twice.");
      }
      types.put(name, command);
      if (types.size() > AppEntity.MAX_PROCESS_TYPES) {
        throw new Invalid("Procfile line " + number + ": more than " + AppEntity.MAX_PROCESS_TYPES
            + " process types; an app runs at most " + AppEntity.MAX_DYNOS + " dynos, so declare fewer.");
      }
    }
    return types;
  }
}
