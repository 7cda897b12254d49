package skiff.platform.build;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the {@code default_process_types} map from a buildpack's {@code bin/release} output, the
 * only part of that YAML Skiff uses: {@code default_process_types:} then indented {@code name: command}.
 */
final class ReleaseYaml {
  private ReleaseYaml() {}

  static Map<String, String> defaultProcessTypes(List<String> lines) {
    Map<String, String> types = new LinkedHashMap<>();
    boolean inside = false;
    for (String line : lines) {
      if (line.isBlank() || line.strip().startsWith("#") || line.strip().equals("---")) {
        continue;
      }
      boolean indented = Character.isWhitespace(line.charAt(0));
      if (!indented) {
        inside = line.strip().startsWith("default_process_types:");
        continue;
      }
      if (inside) {
        int colon = line.indexOf(':');
        if (colon > 0) {
          String name = line.substring(0, colon).strip();
          String command = unquote(line.substring(colon + 1).strip());
          if (!command.isEmpty()) {
            types.put(name, command);
          }
        }
      }
    }
    return types;
  }

  private static String unquote(String s) {
    if (s.length() >= 2 && ((s.startsWith("\"") && s.endsWith("\"")) || (s.startsWith("'") && s.endsWith("'")))) {
      return s.substring(1, s.length() - 1);
    }
    return s;
  }
}
