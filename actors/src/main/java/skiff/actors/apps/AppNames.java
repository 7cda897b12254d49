package skiff.actors.apps;

import java.util.List;
import java.util.Optional;
import java.util.random.RandomGenerator;
import java.util.regex.Pattern;

/** Heroku's app-name rule and its adjective-noun-1234 name generator. */
public final class AppNames {
  private static final Pattern VALID = Pattern.compile("^[a-z][a-z0-9-]{1,28}[a-z0-9]$");

  private static final List<String> ADJECTIVES = List.of(
      "ancient", "autumn", "billowing", "bitter", "blue", "bold", "brave", "calm", "cool", "crimson",
      "damp", "dark", "dry", "falling", "fast", "floral", "fragrant", "frosty", "gentle", "green",
      "hidden", "holy", "icy", "quiet", "lively", "long", "misty", "morning", "muddy", "nameless",
      "old", "patient", "polar", "proud", "purple", "quiet", "red", "rough", "secure", "sharp",
      "shy", "silent", "small", "snowy", "sparkling", "spring", "still", "summer", "sweet", "tranquil",
      "twilight", "wandering", "weathered", "white", "wild", "winter", "wispy", "young");

  private static final List<String> NOUNS = List.of(
      "bird", "brook", "butterfly", "cloud", "darkness", "dawn", "dew", "dream", "dust", "feather",
      "field", "fire", "firefly", "flower", "fog", "forest", "frog", "frost", "garden", "glade",
      "grass", "harbor", "haze", "hill", "island", "lake", "leaf", "meadow", "moon", "morning",
      "mountain", "night", "paper", "pine", "pond", "rain", "refuge", "resonance", "river", "sea",
      "shadow", "shape", "silence", "sky", "smoke", "snow", "sound", "star", "sun", "sunset",
      "surf", "thunder", "tree", "violet", "voice", "water", "waterfall", "wave", "wildflower", "wind");

  private AppNames() {}

  /** An explanation of what is wrong with the name, or empty when it is valid. */
  public static Optional<String> problemWith(String name) {
    if (name == null || name.isEmpty()) {
      return Optional.of("Name must not be empty.");
    }
    if (VALID.matcher(name).matches()) {
      return Optional.empty();
    }
    return Optional.of("Name '" + name + "' is invalid: use 3 to 30 lowercase letters, digits and dashes,"
        + " starting with a letter and not ending with a dash.");
  }

  public static String generate(RandomGenerator random) {
    return ADJECTIVES.get(random.nextInt(ADJECTIVES.size())) + "-"
        + NOUNS.get(random.nextInt(NOUNS.size())) + "-"
        + (1000 + random.nextInt(9000));
  }

  public static boolean looksLikeId(String identity) {
    return identity.length() == 36 && identity.charAt(8) == '-' && identity.charAt(13) == '-';
  }
}
