package skiff.actors.dynos;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import skiff.persistence.CborSerializable;

/**
 * How much a node may run ({@code SKIFF_NODE_CAPACITY}): a number of dynos, or memory ({@code 8GB},
 * counted in the dynos' memory quotas), or both ({@code 20,8GB}); 0 is no limit of that kind.
 */
public record NodeCapacity(int dynos, long memoryBytes) implements CborSerializable {
  public static final NodeCapacity UNLIMITED = new NodeCapacity(0, 0);
  private static final Pattern MEMORY = Pattern.compile("(\\d+)\\s*(MB|GB|M|G)");

  /** Parses the setting; a value it cannot read is an IllegalArgumentException naming what is wrong. */
  public static NodeCapacity parse(String value) {
    if (value == null || value.isBlank()) {
      return UNLIMITED;
    }
    int dynos = 0;
    long memory = 0;
    for (String part : value.split(",")) {
      String p = part.trim().toUpperCase(Locale.ROOT);
      Matcher m = MEMORY.matcher(p);
      if (p.matches("\\d{1,6}")) {
        dynos = Integer.parseInt(p);
      } else if (m.matches()) {
        memory = Long.parseLong(m.group(1)) << (m.group(2).startsWith("G") ? 30 : 20);
      } else {
        throw new IllegalArgumentException("'" + part.trim() + "' is neither a number of dynos (20) nor an amount"
            + " of memory (8GB, 512MB); give one or both, e.g. SKIFF_NODE_CAPACITY=20,8GB");
      }
    }
    return new NodeCapacity(dynos, memory);
  }

  public boolean unlimited() {
    return dynos == 0 && memoryBytes == 0;
  }

  @Override
  public String toString() {
    if (unlimited()) {
      return "unlimited";
    }
    String d = dynos == 0 ? "" : dynos + " dynos";
    String m = memoryBytes == 0 ? "" : (memoryBytes >> 20) + " MB";
    return d.isEmpty() ? m : m.isEmpty() ? d : d + ", " + m;
  }
}
