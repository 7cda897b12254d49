package skiff.actors.apps;

import java.util.List;
import java.util.Optional;

/**
 * Heroku's dyno size names. Skiff accepts them so scripts and the official CLI work unchanged; the
 * memory quota a size gets is decided by the node (SKIFF_DYNO_MEMORY scaled by {@link #memoryFactor}).
 */
public final class DynoSizes {
  public static final String DEFAULT = "Basic";
  private static final List<String> NAMES = List.of(
      "Eco", "Basic", "Standard-1X", "Standard-2X", "Performance-M", "Performance-L");

  private DynoSizes() {}

  /** The canonical spelling of a size given in any case, or empty when there is no such size. */
  public static Optional<String> canonical(String size) {
    return NAMES.stream().filter(n -> n.equalsIgnoreCase(size)).findFirst();
  }

  public static List<String> names() {
    return NAMES;
  }

  /** Heroku's process and thread limit for a size: 256 for 1X-class dynos, 512 for 2X, more for performance. */
  public static int processLimit(String size) {
    return switch (canonical(size).orElse(DEFAULT)) {
      case "Standard-2X" -> 512;
      case "Performance-M" -> 16384;
      case "Performance-L" -> 32768;
      default -> 256;
    };
  }

  /** Memory relative to the node's base quota: Standard-2X has twice a Basic dyno's memory. */
  public static int memoryFactor(String size) {
    return switch (canonical(size).orElse(DEFAULT)) {
      case "Standard-2X" -> 2;
      case "Performance-M" -> 5;
      case "Performance-L" -> 28;
      default -> 1;
    };
  }
}
