package skiff.platform.stacks;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * One stack as the repository defines it ({@code stacks/NAME.stack}): a Debian suite, an
 * mmdebstrap variant and the packages on top. Its {@link #digest} names the built image, so the
 * same list always means the same image and a changed list a new one.
 */
public record StackDefinition(String name, String suite, String variant, List<String> packages) {
  /** Bumped when the way an image is made changes, so old images are not reused for new ones. */
  private static final String RECIPE = "skiff-stack-v1";

  public StackDefinition {
    packages = List.copyOf(packages);
  }

  /** Parses {@code suite X}, {@code variant X} and {@code package X} lines; {@code #} starts a comment. */
  public static StackDefinition parse(String name, String text) {
    String suite = null;
    String variant = "minbase";
    List<String> packages = new ArrayList<>();
    int number = 0;
    for (String raw : text.split("\n")) {
      number++;
      String line = raw.replaceAll("#.*", "").strip();
      if (line.isEmpty()) {
        continue;
      }
      String[] parts = line.split("\\s+");
      if (parts.length != 2 || !parts[1].matches("[a-z0-9][a-z0-9.+-]*")) {
        throw new IllegalArgumentException("stacks/" + name + ".stack line " + number + ": '" + line
            + "' is not 'suite NAME', 'variant NAME' or 'package NAME'");
      }
      switch (parts[0]) {
        case "suite" -> suite = parts[1];
        case "variant" -> variant = parts[1];
        case "package" -> packages.add(parts[1]);
        default -> throw new IllegalArgumentException("stacks/" + name + ".stack line " + number + ": unknown key '"
            + parts[0] + "' (suite, variant or package)");
      }
    }
    if (suite == null) {
      throw new IllegalArgumentException("stacks/" + name + ".stack names no suite (e.g. 'suite bookworm')");
    }
    return new StackDefinition(name, suite, variant, packages);
  }

  /** The first 16 hex digits of SHA-256 over the recipe and the definition's meaning (not its comments). */
  public String digest() {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      String canonical = RECIPE + "\n" + suite + "\n" + variant + "\n" + String.join(",", packages.stream().sorted().toList());
      return HexFormat.of().formatHex(sha.digest(canonical.getBytes(StandardCharsets.UTF_8)), 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
