package skiff.actors.apps;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Stack names: the stacks this Skiff offers are the ones the repository's {@code stacks/index}
 * lists (shipped inside the build), the first being the default for new apps. Apps made before
 * stacks were real root filesystems were on "host" (the machine's own userland) or, earlier still,
 * "cedar"; both names now mean the default stack, which their next build and dyno start use.
 */
public final class Stacks {
  public static final String LEGACY_HOST = "host";
  public static final String LEGACY_CEDAR = "cedar";
  private static final List<String> OFFERED = load();
  public static final String DEFAULT = OFFERED.get(0);

  private Stacks() {}

  public static List<String> offered() {
    return OFFERED;
  }

  public static boolean isOffered(String name) {
    return OFFERED.contains(canonical(name));
  }

  /** The stack a stored or given name means; null stays null. */
  public static String canonical(String name) {
    return LEGACY_HOST.equals(name) || LEGACY_CEDAR.equals(name) ? DEFAULT : name;
  }

  /** The stack to build on or run: the name given, or the default when there is none. */
  public static String orDefault(String name) {
    return name == null ? DEFAULT : canonical(name);
  }

  public static boolean same(String a, String b) {
    return Objects.equals(canonical(a), canonical(b));
  }

  private static List<String> load() {
    try (InputStream in = Stacks.class.getClassLoader().getResourceAsStream("stacks/index")) {
      if (in == null) {
        throw new IllegalStateException("stacks/index is missing from the Skiff build");
      }
      List<String> names = new ArrayList<>();
      for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
        String name = line.replaceAll("#.*", "").strip();
        if (!name.isEmpty()) {
          names.add(name);
        }
      }
      if (names.isEmpty()) {
        throw new IllegalStateException("stacks/index lists no stack");
      }
      return List.copyOf(names);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
